package io.genpipe.runtime.pipeline;

import io.genpipe.runtime.pipeline.validate.Validation;
import java.util.List;

/**
 * Checks a whole pipeline before anything runs and builds it: unknown components or steps (with
 * the known ones and a did-you-mean), parameters (unknown, missing, ill-typed), dangling inputs,
 * wrong input counts, cycles, and the columns connected steps pass each other (names, dtypes,
 * shapes, from the components' ports and the models' own graphs). Every problem is reported, each
 * with file, line and step. The checks are passes over one table of the steps ({@link Validation}).
 */
public final class PipelineValidator {

    private final PipelineHost host;

    public PipelineValidator(PipelineHost host) {
        this.host = host;
    }

    /**
     * Checks {@code definition} and builds its steps.
     *
     * @throws PipelineException listing every problem found
     */
    public PipelinePlan validate(PipelineDefinition definition) {
        return validate(definition, List.of());
    }

    /**
     * Validates a pipeline the reader already found {@code earlier} problems in, so that all of a
     * file's problems are reported together.
     *
     * @throws PipelineException listing every problem, earlier ones included
     */
    public PipelinePlan validate(PipelineDefinition definition, List<Problem> earlier) {
        return Validation.run(host, definition, earlier);
    }
}
