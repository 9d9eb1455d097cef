/**
 * The {@code genpipe} command line: {@code doctor} and {@code plugins} (pipelines' {@code run} and
 * {@code validate} come with the pipeline engine). Exit codes: 0 ok, 1 a check or run failed,
 * 2 invalid input (bad options, bad files).
 */
package io.genpipe.cli;
