package io.genpipe.spark;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Where a row stands in the pipeline's row order, whatever the partitioning: its source gives each row
 * its position; a fused chain of row-wise steps gives the rows it emits for one chunk the chunk's first
 * key followed by their position in the chunk; concat puts its input's index in front; a global step that
 * reorders rows gives them their new position. Compared element by element, a shorter key first when it
 * is a prefix (the keys of one step's rows never are prefixes of each other). Rows also keep their ids:
 * draws fork from (seed, step, row id); the key only fixes the order and breaks ties.
 */
public final class RowKey implements Comparable<RowKey>, Serializable {

    private static final long serialVersionUID = 1L;

    private final long[] parts;

    private RowKey(long[] parts) {
        this.parts = parts;
    }

    /** The key of the {@code position}-th row of a source or of a reordering step. */
    public static RowKey of(long position) {
        return new RowKey(new long[] {position});
    }

    /** This key followed by {@code position}. */
    public RowKey child(long position) {
        long[] p = Arrays.copyOf(parts, parts.length + 1);
        p[parts.length] = position;
        return new RowKey(p);
    }

    /** {@code first} followed by this key: concat's rows of its {@code first}-th input. */
    public RowKey under(long first) {
        long[] p = new long[parts.length + 1];
        p[0] = first;
        System.arraycopy(parts, 0, p, 1, parts.length);
        return new RowKey(p);
    }

    @Override
    public int compareTo(RowKey o) {
        return Arrays.compare(parts, o.parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowKey rowKey && Arrays.equals(parts, rowKey.parts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(parts);
    }

    @Override
    public String toString() {
        return Arrays.toString(parts);
    }
}
