package io.genpipe.api.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A named, typed input or output of a component or model: {@code image: float32[batch,1,28,28]}.
 *
 * <pre>{@code
 * PortSpec latent = PortSpec.of("z", DType.FLOAT32, "batch", 20);
 * latent.mismatch(foundPort).ifPresent(System.err::println);
 * // port 'z': expected float32[batch,20], found float32[batch,32]
 * }</pre>
 */
public record PortSpec(String name, DType dtype, List<Dim> shape) {

    public PortSpec {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(dtype, "dtype is null");
        shape = List.copyOf(Objects.requireNonNull(shape, "shape is null"));
    }

    /**
     * Builds a port from dimensions given as numbers (fixed sizes), strings (symbols) or
     * {@link Dim}s.
     */
    public static PortSpec of(String name, DType dtype, Object... dims) {
        List<Dim> shape = new ArrayList<>(dims.length);
        for (Object dim : dims) {
            if (dim instanceof Dim d) {
                shape.add(d);
            } else if (dim instanceof Number number) {
                shape.add(Dim.of(number.longValue()));
            } else if (dim instanceof String string) {
                shape.add(Dim.symbolic(string));
            } else {
                throw new IllegalArgumentException("dimension must be a number, a symbol or a Dim: " + dim);
            }
        }
        return new PortSpec(name, dtype, shape);
    }

    public int rank() {
        return shape.size();
    }

    /** {@code float32[batch,1,28,28]}. */
    public String typeString() {
        return dtype.label() + shape.stream().map(Dim::toString).collect(Collectors.joining(",", "[", "]"));
    }

    /**
     * Compares a port this one would be connected to (or a model's port a component needs to
     * fit this one). Empty when they fit; otherwise one sentence naming the port, the expected
     * and the found.
     */
    public Optional<String> mismatch(PortSpec found) {
        if (found.dtype != dtype || found.rank() != rank()) {
            return Optional.of(describe(found.typeString()));
        }
        for (int i = 0; i < shape.size(); i++) {
            if (!shape.get(i).compatibleWith(found.shape.get(i))) {
                return Optional.of(describe(found.typeString()));
            }
        }
        return Optional.empty();
    }

    /** Checks a concrete tensor against this port; empty when it fits. */
    public Optional<String> mismatch(Tensor tensor) {
        long[] actual = tensor.shape();
        boolean fits = tensor.dtype() == dtype && actual.length == rank();
        for (int i = 0; fits && i < actual.length; i++) {
            fits = shape.get(i).accepts(actual[i]);
        }
        return fits
                ? Optional.empty()
                : Optional.of(describe(
                        tensor.dtype().label() + Arrays.toString(actual).replace(" ", "")));
    }

    private String describe(String found) {
        return "port '" + name + "': expected " + typeString() + ", found " + found;
    }

    @Override
    public String toString() {
        return name + ": " + typeString();
    }
}
