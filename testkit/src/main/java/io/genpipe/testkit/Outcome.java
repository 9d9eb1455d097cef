package io.genpipe.testkit;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * What one call of a component returned, copied into Java: the rows' metadata and every column
 * (a scorer's scores as the column {@code score}), row by row. Compared exactly (same bytes) or
 * within a tolerance.
 */
final class Outcome {

    /** One column: dtype, shape and the values widened to double (exact for float32 and int32). */
    record Column(DType dtype, long[] shape, double[] values) {
        int rowSize() {
            return shape[0] == 0 ? 0 : (int) (values.length / shape[0]);
        }
    }

    final List<RowMeta> meta;
    final Map<String, Column> columns;

    private Outcome(List<RowMeta> meta, Map<String, Column> columns) {
        this.meta = List.copyOf(meta);
        this.columns = columns;
    }

    static Outcome of(Batch batch) {
        Map<String, Column> columns = new LinkedHashMap<>();
        for (String name : batch.columnNames()) {
            columns.put(name, column(batch.column(name)));
        }
        return new Outcome(batch.meta(), columns);
    }

    static Outcome ofScores(List<RowMeta> meta, double[] scores) {
        Map<String, Column> columns = new LinkedHashMap<>();
        columns.put("score", new Column(DType.FLOAT64, new long[] {scores.length}, scores.clone()));
        return new Outcome(meta, columns);
    }

    private static Column column(Tensor t) {
        double[] values;
        switch (t.dtype()) {
            case FLOAT32 -> {
                float[] f = t.toFloatArray();
                values = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    values[i] = f[i];
                }
            }
            case FLOAT64 -> values = t.toDoubleArray();
            case INT64 -> {
                long[] l = t.toLongArray();
                values = new double[l.length];
                for (int i = 0; i < l.length; i++) {
                    values[i] = l[i];
                }
            }
            case INT32 -> {
                int[] v = t.toIntArray();
                values = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    values[i] = v[i];
                }
            }
            default -> {
                byte[] b = t.toByteArray();
                values = new double[b.length];
                for (int i = 0; i < b.length; i++) {
                    values[i] = b[i];
                }
            }
        }
        return new Column(t.dtype(), t.shape(), values);
    }

    int rows() {
        return meta.size();
    }

    /** The rows {@code from} to {@code to} of every column. */
    Outcome slice(int from, int to) {
        return select(IntStream.range(from, to).boxed().toList());
    }

    Outcome select(List<Integer> rows) {
        Map<String, Column> out = new LinkedHashMap<>();
        for (Map.Entry<String, Column> e : columns.entrySet()) {
            Column c = e.getValue();
            int w = c.rowSize();
            double[] v = new double[rows.size() * w];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(c.values, rows.get(i) * w, v, i * w, w);
            }
            long[] shape = c.shape.clone();
            shape[0] = rows.size();
            out.put(e.getKey(), new Column(c.dtype, shape, v));
        }
        List<RowMeta> m = new ArrayList<>();
        rows.forEach(r -> m.add(meta.get(r)));
        return new Outcome(m, out);
    }

    static Outcome concat(List<Outcome> parts) {
        Outcome first = parts.get(0);
        Map<String, Column> out = new LinkedHashMap<>();
        for (Map.Entry<String, Column> e : first.columns.entrySet()) {
            int total = 0;
            long rows = 0;
            long[] first0 = e.getValue().shape;
            for (Outcome p : parts) {
                Column c = p.columns.get(e.getKey());
                if (c == null) {
                    throw new AssertionError(
                            "column '" + e.getKey() + "' is in the result of one batch but not of another");
                }
                long[] a = Arrays.copyOfRange(first0, 1, first0.length);
                long[] b = Arrays.copyOfRange(c.shape, 1, c.shape.length);
                if (!Arrays.equals(a, b)) {
                    throw new AssertionError("column '" + e.getKey() + "' is " + c.dtype.label()
                            + Arrays.toString(c.shape)
                            + " for a batch of " + c.shape[0] + " rows but " + first0[0] + " rows gave "
                            + Arrays.toString(first0) + "; a row's shape may not depend on the batch it comes in");
                }
                total += c.values.length;
                rows += c.shape[0];
            }
            double[] v = new double[total];
            int at = 0;
            for (Outcome p : parts) {
                double[] part = p.columns.get(e.getKey()).values;
                System.arraycopy(part, 0, v, at, part.length);
                at += part.length;
            }
            long[] shape = e.getValue().shape.clone();
            shape[0] = rows;
            out.put(e.getKey(), new Column(e.getValue().dtype, shape, v));
        }
        List<RowMeta> m = new ArrayList<>();
        parts.forEach(p -> m.addAll(p.meta));
        return new Outcome(m, out);
    }

    /**
     * Null when {@code actual} equals this outcome (exactly when {@code tolerance} is 0), else a
     * description of the first difference: which row, which column or metadata field, both values.
     */
    String difference(Outcome actual, double tolerance) {
        if (actual.rows() != rows()) {
            return rows() + " rows expected, " + actual.rows() + " found";
        }
        if (!actual.columns.keySet().equals(columns.keySet())) {
            return "columns " + columns.keySet() + " expected, " + actual.columns.keySet() + " found";
        }
        for (int r = 0; r < rows(); r++) {
            String m = metaDifference(meta.get(r), actual.meta.get(r), tolerance);
            if (m != null) {
                return "row " + r + " ('" + meta.get(r).id() + "'): " + m;
            }
        }
        for (Map.Entry<String, Column> e : columns.entrySet()) {
            Column want = e.getValue();
            Column got = actual.columns.get(e.getKey());
            if (want.dtype != got.dtype || !Arrays.equals(want.shape, got.shape)) {
                return "column '" + e.getKey() + "': " + want.dtype.label() + Arrays.toString(want.shape)
                        + " expected, " + got.dtype.label() + Arrays.toString(got.shape) + " found";
            }
            boolean exactType = want.dtype != DType.FLOAT32 && want.dtype != DType.FLOAT64;
            int w = want.rowSize();
            for (int i = 0; i < want.values.length; i++) {
                double a = want.values[i];
                double b = got.values[i];
                boolean same = (exactType || tolerance == 0)
                        ? Double.compare(a, b) == 0
                        : a == b
                                || (Double.isNaN(a) && Double.isNaN(b))
                                || Math.abs(a - b) <= tolerance * (1 + Math.abs(a));
                if (!same) {
                    int row = w == 0 ? 0 : i / w;
                    return "column '" + e.getKey() + "', row " + row + " ('"
                            + meta.get(row).id() + "'), element "
                            + (w == 0 ? 0 : i % w) + ": " + a + " expected, " + b + " found (difference "
                            + Math.abs(a - b)
                            + (exactType || tolerance == 0 ? ", must be identical" : ", tolerance " + tolerance)
                            + "; largest difference in the column " + largest(want.values, got.values) + ")";
                }
            }
        }
        return null;
    }

    private static String largest(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return Double.toString(max);
    }

    private static String metaDifference(RowMeta want, RowMeta got, double tolerance) {
        if (!want.id().equals(got.id())) {
            return "id '" + want.id() + "' expected, '" + got.id() + "' found";
        }
        if (!Objects.equals(want.label(), got.label())) {
            return "label " + want.label() + " expected, " + got.label() + " found";
        }
        if (!Objects.equals(want.source(), got.source())) {
            return "source " + want.source() + " expected, " + got.source() + " found";
        }
        if (!Objects.equals(want.tags(), got.tags())) {
            return "tags " + want.tags() + " expected, " + got.tags() + " found";
        }
        Double a = want.score();
        Double b = got.score();
        if (a == null || b == null) {
            return Objects.equals(a, b) ? null : "score " + a + " expected, " + b + " found";
        }
        boolean same = tolerance == 0
                ? Double.compare(a, b) == 0
                : a.equals(b) || Math.abs(a - b) <= tolerance * (1 + Math.abs(a));
        return same ? null : "score " + a + " expected, " + b + " found";
    }
}
