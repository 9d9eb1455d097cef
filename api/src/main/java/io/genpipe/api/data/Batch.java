package io.genpipe.api.data;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Named tensor columns sharing a leading row dimension, plus one {@link RowMeta} per row. The unit
 * pipelines move.
 *
 * <p>Ownership: a batch owns its columns; {@link #close()} closes them all and is idempotent.
 * A batch built with {@link Builder#borrow(String, Tensor)} leaves that column to its owner.
 *
 * <pre>{@code
 * try (Batch batch = Batch.builder(2)
 *         .column("image", BufferTensor.ofFloats(pixels, 2, 1, 28, 28))
 *         .meta(List.of(RowMeta.of("a").withLabel(3), RowMeta.of("b").withLabel(7)))
 *         .build()) {
 *     Tensor image = batch.column("image");
 * }
 * }</pre>
 */
public final class Batch implements AutoCloseable {

    private final int rows;
    private final Map<String, Tensor> columns;
    private final Set<String> borrowed;
    private final List<RowMeta> meta;
    private boolean closed;

    private Batch(int rows, Map<String, Tensor> columns, Set<String> borrowed, List<RowMeta> meta) {
        this.rows = rows;
        this.columns = Collections.unmodifiableMap(columns);
        this.borrowed = Set.copyOf(borrowed);
        this.meta = List.copyOf(meta);
    }

    /** A batch of {@code rows} rows with no columns: the input of a latent prior sampler. */
    public static Batch ofRows(int rows) {
        return builder(rows).build();
    }

    public static Builder builder(int rows) {
        return new Builder(rows);
    }

    public int rows() {
        return rows;
    }

    /** Column names in insertion order. */
    public Set<String> columnNames() {
        return columns.keySet();
    }

    public boolean hasColumn(String name) {
        return columns.containsKey(name);
    }

    /**
     * The named column.
     *
     * @throws IllegalArgumentException naming the column and the columns present
     */
    public Tensor column(String name) {
        Tensor t = columns.get(name);
        if (t == null) {
            throw new IllegalArgumentException("batch has no column '" + name + "'; columns: " + columns.keySet());
        }
        return t;
    }

    /** Metadata of every row, in row order. */
    public List<RowMeta> meta() {
        return meta;
    }

    public RowMeta meta(int row) {
        return meta.get(row);
    }

    /**
     * A builder holding this batch's columns (with their ownership) and metadata, to add columns
     * to: the columns move to the builder, and this batch is left closed without closing them.
     *
     * <pre>{@code
     * Batch scored = input.extend().column("score", scores).build();   // input is now spent
     * }</pre>
     */
    public Builder extend() {
        if (closed) {
            throw new IllegalStateException("batch is closed");
        }
        Builder b = new Builder(rows);
        for (Map.Entry<String, Tensor> e : columns.entrySet()) {
            if (borrowed.contains(e.getKey())) {
                b.borrow(e.getKey(), e.getValue());
            } else {
                b.column(e.getKey(), e.getValue());
            }
        }
        b.meta(meta);
        closed = true;
        return b;
    }

    /**
     * The rows {@code rows} of this batch (in that order; a row may repeat) with their metadata,
     * as a new batch of Java tensors. This batch is left as it is, still owned by the caller.
     *
     * <pre>{@code
     * try (Batch firstAndLast = batch.select(List.of(0, batch.rows() - 1))) { ... }
     * }</pre>
     */
    public Batch select(List<Integer> rowIndices) {
        requireOpen();
        List<RowMeta> m = new ArrayList<>(rowIndices.size());
        for (int r : rowIndices) {
            Objects.checkIndex(r, rows);
            m.add(meta.get(r));
        }
        Builder out = builder(rowIndices.size()).meta(m);
        for (Map.Entry<String, Tensor> e : columns.entrySet()) {
            out.column(e.getKey(), gather(e.getValue(), rowIndices));
        }
        return out.build();
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive), as a new batch; this one is unchanged. */
    public Batch slice(int from, int to) {
        Objects.checkFromToIndex(from, to, rows);
        List<Integer> range = new ArrayList<>(to - from);
        for (int r = from; r < to; r++) {
            range.add(r);
        }
        return select(range);
    }

    /** A deep copy into Java tensors (metadata shared: it is immutable); this batch is unchanged. */
    public Batch copy() {
        requireOpen();
        Builder out = builder(rows).meta(meta);
        for (Map.Entry<String, Tensor> e : columns.entrySet()) {
            out.column(e.getKey(), e.getValue().copyToJava());
        }
        return out.build();
    }

    /**
     * Only {@code names} go on, in that order: their tensors move to the returned batch, the other
     * columns are closed, and this batch is spent.
     *
     * @throws IllegalArgumentException naming a column this batch does not have (nothing is spent)
     */
    public Batch retain(List<String> names) {
        requireOpen();
        for (String n : names) {
            if (!columns.containsKey(n)) {
                throw new IllegalArgumentException("no column '" + n + "' in " + this);
            }
        }
        Builder out = builder(rows).meta(meta);
        for (String n : names) {
            if (borrowed.contains(n)) {
                out.borrow(n, columns.get(n));
            } else {
                out.column(n, columns.get(n));
            }
        }
        closed = true;
        for (Map.Entry<String, Tensor> e : columns.entrySet()) {
            if (!names.contains(e.getKey()) && !borrowed.contains(e.getKey())) {
                e.getValue().close();
            }
        }
        return out.build();
    }

    /**
     * The rows of {@code batches} one after the other, as a new batch of Java tensors; the
     * batches must carry the same columns with the same dtypes and row shapes. They are left as
     * they are.
     *
     * @throws IllegalArgumentException naming the column that differs
     */
    public static Batch concat(List<Batch> batches) {
        if (batches.isEmpty()) {
            return ofRows(0);
        }
        Batch first = batches.get(0);
        int total = 0;
        List<RowMeta> m = new ArrayList<>();
        for (Batch b : batches) {
            b.requireOpen();
            if (!b.columns.keySet().equals(first.columns.keySet())) {
                throw new IllegalArgumentException("cannot concatenate " + first + " and " + b + ": other columns");
            }
            total += b.rows;
            m.addAll(b.meta);
        }
        Builder out = builder(total).meta(m);
        for (Map.Entry<String, Tensor> e : first.columns.entrySet()) {
            Tensor t = e.getValue();
            long[] shape = t.shape();
            long rowElements = rowElements(shape);
            shape[0] = total;
            BufferTensor joined = BufferTensor.allocate(t.dtype(), shape);
            ByteBuffer buffer = joined.buffer();
            for (Batch b : batches) {
                Tensor part = b.columns.get(e.getKey());
                long[] ps = part.shape();
                if (part.dtype() != t.dtype() || ps.length != shape.length || rowElements(ps) != rowElements) {
                    throw new IllegalArgumentException("cannot concatenate column '" + e.getKey() + "': "
                            + t.typeString() + " and " + part.typeString());
                }
                buffer.put(part.toByteArray());
            }
            out.column(e.getKey(), joined);
        }
        return out.build();
    }

    private static BufferTensor gather(Tensor t, List<Integer> rowIndices) {
        long[] shape = t.shape();
        int rowBytes = Math.toIntExact(rowElements(shape) * t.dtype().byteSize());
        byte[] all = t.toByteArray();
        shape[0] = rowIndices.size();
        BufferTensor part = BufferTensor.allocate(t.dtype(), shape);
        ByteBuffer buffer = part.buffer();
        for (int r : rowIndices) {
            buffer.put(all, r * rowBytes, rowBytes);
        }
        return part;
    }

    /** Elements in one row: the product of every dimension after the first. */
    private static long rowElements(long[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n = Math.multiplyExact(n, shape[i]);
        }
        return n;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("batch is closed");
        }
    }

    /** Closes every column this batch owns. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Map.Entry<String, Tensor> e : columns.entrySet()) {
            if (!borrowed.contains(e.getKey())) {
                e.getValue().close();
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Batch(").append(rows).append(" rows");
        columns.forEach((n, t) -> sb.append(", ").append(n).append(": ").append(t.typeString()));
        return sb.append(')').toString();
    }

    /** Builds a batch, checking every column's leading dimension against the row count. */
    public static final class Builder {
        private final int rows;
        private final Map<String, Tensor> columns = new LinkedHashMap<>();
        private final Set<String> borrowed = new HashSet<>();
        private List<RowMeta> meta;

        private Builder(int rows) {
            if (rows < 0) {
                throw new IllegalArgumentException("rows must be >= 0: " + rows);
            }
            this.rows = rows;
        }

        /** Adds a column the batch will own and close. */
        public Builder column(String name, Tensor tensor) {
            Objects.requireNonNull(name, "name is null");
            Objects.requireNonNull(tensor, "tensor is null");
            long[] shape = tensor.shape();
            if (shape.length == 0 || shape[0] != rows) {
                throw new IllegalArgumentException("column '" + name + "' is " + tensor.typeString()
                        + " but the batch has " + rows + " rows; its leading dimension must be " + rows);
            }
            if (columns.putIfAbsent(name, tensor) != null) {
                throw new IllegalArgumentException("column '" + name + "' added twice");
            }
            return this;
        }

        /** Adds a column that stays owned by the caller: closing the batch leaves it open. */
        public Builder borrow(String name, Tensor tensor) {
            column(name, tensor);
            borrowed.add(name);
            return this;
        }

        /** Replaces a column (closing the one it replaces if owned) or adds it. */
        public Builder replace(String name, Tensor tensor) {
            Tensor old = columns.remove(name);
            if (old != null && !borrowed.remove(name)) {
                old.close();
            }
            return column(name, tensor);
        }

        /** Row metadata; defaults to ids "0", "1", ... */
        public Builder meta(List<RowMeta> rowMeta) {
            if (rowMeta.size() != rows) {
                throw new IllegalArgumentException(rowMeta.size() + " metadata rows for a batch of " + rows + " rows");
            }
            this.meta = rowMeta;
            return this;
        }

        public Batch build() {
            List<RowMeta> m = meta;
            if (m == null) {
                m = new ArrayList<>(rows);
                for (int i = 0; i < rows; i++) {
                    m.add(RowMeta.of(Integer.toString(i)));
                }
            }
            return new Batch(rows, new LinkedHashMap<>(columns), borrowed, m);
        }
    }
}
