package io.genpipe.runtime.step.eval;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.eval.Novelty;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code novelty} built-in step: fits a Mahalanobis or k-nearest-neighbour detector on its first input's vectors and scores its second input's rows (global).
 */
public final class NoveltyEval {

    private NoveltyEval() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "novelty",
                StepCategory.EVAL,
                "fits on the first input's vectors and scores the second input's rows: mahalanobis or knn distance"
                        + " (higher = more novel), as a column (output:) and each row's score",
                List.of(
                        ParameterSpec.required(
                                "column", ParameterType.STRING, "the float32[batch,d] column holding the vectors"),
                        ParameterSpec.choice(
                                "method",
                                "mahalanobis",
                                "mahalanobis (shrunk covariance) or knn (mean distance" + " to the k nearest)",
                                "mahalanobis",
                                "knn"),
                        ParameterSpec.optional("k", ParameterType.INTEGER, "5", "neighbours for knn")
                                .range(1, 10_000),
                        ParameterSpec.optional(
                                "shrinkage",
                                ParameterType.NUMBER,
                                "0.1",
                                "for mahalanobis: weight of the average variance mixed into the covariance, in [0, 1]"),
                        ParameterSpec.optional(
                                "output",
                                ParameterType.STRING,
                                "novelty",
                                "name of the score column added to the query rows")),
                2,
                2,
                (p, folder) -> {
                    String column = p.getString("column");
                    String scoreColumn = p.getString("output");
                    double shrinkage = p.getDouble("shrinkage");
                    if (shrinkage < 0 || shrinkage > 1) {
                        throw new GenpipeException("shrinkage must be in [0, 1], found " + shrinkage);
                    }
                    if (p.getInt("k") < 1) {
                        throw new GenpipeException("k must be at least 1, found " + p.getInt("k"));
                    }
                    return new Step() {

                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            Columns.require(PortSpec.of(column, DType.FLOAT32, "batch", "d"), inputs.get(0));
                            Columns.require(PortSpec.of(column, DType.FLOAT32, "batch", "d"), inputs.get(1));
                            return Columns.merge(
                                    inputs.get(1).columns(), List.of(PortSpec.of(scoreColumn, DType.FLOAT64, "batch")));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            // the runner buffers the query input while the reference input is read
                            List<double[]> rows = new ArrayList<>();
                            int d = -1;
                            for (Batch next = inputs.get(0).next();
                                    next != null;
                                    next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    Tensor t = b.column(column);
                                    d = (int) t.shape()[1];
                                    float[] v = t.toFloatArray();
                                    for (int r = 0; r < b.rows(); r++) {
                                        double[] row = new double[d];
                                        for (int j = 0; j < d; j++) {
                                            row[j] = v[r * d + j];
                                        }
                                        rows.add(row);
                                    }
                                }
                            }
                            if (rows.isEmpty()) {
                                throw new GenpipeException(
                                        "the reference input sent no rows; novelty needs vectors to fit on");
                            }
                            double[] ref = new double[rows.size() * d];
                            for (int r = 0; r < rows.size(); r++) {
                                System.arraycopy(rows.get(r), 0, ref, r * d, d);
                            }
                            Novelty.Detector detector;
                            try {
                                detector = p.getString("method").equals("knn")
                                        ? Novelty.knn(ref, rows.size(), d, p.getInt("k"))
                                        : Novelty.mahalanobis(ref, rows.size(), d, shrinkage);
                            } catch (IllegalArgumentException e) {
                                throw new GenpipeException(e.getMessage(), e);
                            }
                            context.metric(context.stepId(), "referenceRows", rows.size());
                            for (Batch b = inputs.get(1).next();
                                    b != null;
                                    b = inputs.get(1).next()) {
                                double[] scores = new double[b.rows()];
                                List<RowMeta> meta = new ArrayList<>();
                                try {
                                    float[] v = b.column(column).toFloatArray();
                                    double[] x = new double[v.length];
                                    for (int i = 0; i < v.length; i++) {
                                        x[i] = v[i];
                                    }
                                    for (int r = 0; r < b.rows(); r++) {
                                        scores[r] = detector.score(x, r * d);
                                        meta.add(b.meta(r).withScore(scores[r]));
                                    }
                                } catch (RuntimeException e) {
                                    b.close();
                                    throw e;
                                }
                                output.emit(b.extend()
                                        .replace(scoreColumn, BufferTensor.ofDoubles(scores, scores.length))
                                        .meta(meta)
                                        .build());
                            }
                        }
                    };
                });
    }
}
