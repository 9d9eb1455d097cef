package io.genpipe.runtime.step.eval;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.eval.FrechetDistance;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.Numbers;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code frechet-distance} built-in step: the Fréchet distance between the feature columns of its two inputs, e.g. FD on classifier features (global).
 */
public final class FrechetDistanceEval {

    private FrechetDistanceEval() {}

    /** Feature rows collected from one input. */
    private static final class Features {
        final List<float[]> parts = new ArrayList<>();
        int rows;
        int d = -1;
        Throwable failure;

        void drain(BatchInput input, String column) {
            try {
                for (Batch next = input.next(); next != null; next = input.next()) {
                    try (Batch b = next) {
                        Tensor t = b.column(column);
                        d = (int) t.shape()[1];
                        parts.add(t.toFloatArray());
                        rows += b.rows();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        void rethrow() throws InterruptedException {
            if (failure instanceof InterruptedException) {
                throw (InterruptedException) failure;
            }
            if (failure != null) {
                throw (RuntimeException) failure;
            }
        }

        double[] values() {
            double[] all = new double[rows * Math.max(d, 0)];
            int at = 0;
            for (float[] part : parts) {
                for (float v : part) {
                    all[at++] = v;
                }
            }
            return all;
        }
    }

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "frechet-distance",
                StepCategory.EVAL,
                "Frechet distance between the feature columns of two inputs (FD on classifier features: FD-clf); metrics.<metric>",
                List.of(
                        ParameterSpec.optional(
                                "column", ParameterType.STRING, "features", "float32[batch,d] feature column"),
                        ParameterSpec.optional("metric", ParameterType.STRING, "fdClf", "metric name in run.json")),
                2,
                2,
                (p, folder) -> new Step() {
                    @Override
                    public Optional<Set<String>> readsColumns() {
                        return Optional.of(Set.of(p.getString("column")));
                    }

                    @Override
                    public List<PortSpec> outputs(List<StepInput> inputs) {
                        for (StepInput in : inputs) {
                            Columns.require(PortSpec.of(p.getString("column"), DType.FLOAT32, "batch", "d"), in);
                        }
                        return List.of();
                    }

                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        // the runner buffers the second input while the first is read
                        Features first = new Features();
                        first.drain(inputs.get(0), p.getString("column"));
                        first.rethrow();
                        Features second = new Features();
                        second.drain(inputs.get(1), p.getString("column"));
                        second.rethrow();
                        if (first.d != second.d) {
                            throw new GenpipeException(
                                    "the two inputs' feature columns differ in size: " + first.d + " and " + second.d);
                        }
                        context.metric(
                                p.getString("metric"),
                                null,
                                Numbers.round(FrechetDistance.compute(
                                        first.values(), first.rows, second.values(), second.rows, first.d)));
                    }
                });
    }
}
