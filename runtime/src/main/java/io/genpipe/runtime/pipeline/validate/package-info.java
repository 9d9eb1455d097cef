/**
 * Validation of a pipeline as passes over one table of its steps ({@link
 * io.genpipe.runtime.pipeline.validate.StepTable}): each pass reads what earlier passes found about each step and
 * adds what it finds, problems included, so every problem of a file is reported at once, at its line.
 */
package io.genpipe.runtime.pipeline.validate;
