package io.genpipe.runtime.step;

import java.util.List;

/**
 * Built-in steps of a genpipe module that is not always on the class path (genpipe-spark's {@code parquet-source}
 * and {@code parquet-sink}, which need Hadoop and Parquet): found with {@link java.util.ServiceLoader} and listed
 * after the runtime's own.
 */
public interface StepProvider {

    /** The steps, in listing order. */
    List<BuiltinStep> steps();
}
