/**
 * One run lifecycle for every runner (the local runner, the Spark engine, served pipelines): claiming and
 * committing the output folder ({@link io.genpipe.runtime.pipeline.run.OutputFolder}), run.json ({@link
 * io.genpipe.runtime.pipeline.run.RunJson}), the steps that run after all others, cancellation ({@link
 * io.genpipe.runtime.pipeline.run.Cancellation}) and failures ({@link io.genpipe.runtime.pipeline.run.RunFailure}).
 * A runner supplies only how the steps execute ({@link io.genpipe.runtime.pipeline.run.RunLifecycle.Engine}).
 */
package io.genpipe.runtime.pipeline.run;
