package io.genpipe.api.data;

import java.util.Objects;

/**
 * One dimension of a port's shape: a fixed size, a named symbol ({@code batch}, {@code seq})
 * that binds to any size, or unknown ({@code ?}).
 */
public final class Dim {

    /** A dimension of any size with no name. */
    public static final Dim ANY = new Dim(-1, null);

    private final long size;
    private final String symbol;

    private Dim(long size, String symbol) {
        this.size = size;
        this.symbol = symbol;
    }

    /** A fixed size, at least 0. */
    public static Dim of(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("dimension size must be >= 0: " + size);
        }
        return new Dim(size, null);
    }

    /** A named dimension that binds to any size, e.g. {@code batch}. */
    public static Dim symbolic(String symbol) {
        Objects.requireNonNull(symbol, "symbol is null");
        if (symbol.isBlank()) {
            throw new IllegalArgumentException("dimension symbol is blank");
        }
        return new Dim(-1, symbol);
    }

    public boolean isFixed() {
        return size >= 0;
    }

    /** The fixed size, or -1 when the dimension is symbolic or unknown. */
    public long size() {
        return size;
    }

    /** The symbol, or null when fixed or unknown. */
    public String symbol() {
        return symbol;
    }

    /** Whether a concrete size fits this dimension. */
    public boolean accepts(long actual) {
        return !isFixed() || size == actual;
    }

    /** Whether two declared dimensions can describe the same data. */
    public boolean compatibleWith(Dim other) {
        return !isFixed() || !other.isFixed() || size == other.size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dim dim && dim.size == size && Objects.equals(dim.symbol, symbol);
    }

    @Override
    public int hashCode() {
        return Objects.hash(size, symbol);
    }

    @Override
    public String toString() {
        return isFixed() ? Long.toString(size) : symbol != null ? symbol : "?";
    }
}
