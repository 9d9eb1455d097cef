package io.genpipe.api.data;

import java.util.ArrayList;
import java.util.Collections;
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
        private final Set<String> borrowed = new java.util.HashSet<>();
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
