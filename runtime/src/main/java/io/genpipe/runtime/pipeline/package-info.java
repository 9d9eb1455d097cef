/**
 * Declarative pipelines: a YAML file of steps ({@link io.genpipe.runtime.pipeline.PipelineReader}),
 * checked as a whole before anything runs ({@link io.genpipe.runtime.pipeline.PipelineValidator}),
 * then streamed through bounded queues, one thread per step
 * ({@link io.genpipe.runtime.pipeline.PipelineRunner}), into an output folder that appears only when
 * the run succeeds.
 */
package io.genpipe.runtime.pipeline;
