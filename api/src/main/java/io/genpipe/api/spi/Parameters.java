package io.genpipe.api.spi;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A component's parameter values, already converted to their declared types and checked by the
 * host. Values with a default are always present; optional ones without a default may be absent.
 * Reading a parameter the factory did not declare, or as the wrong type, is a programming error
 * and fails with {@link IllegalArgumentException}.
 */
public final class Parameters {

    private final Map<String, ParameterSpec> specs;
    private final Map<String, Object> values;

    /**
     * Called by the host after checking: values must already be of the Java type their spec's
     * type maps to ({@code String}, {@code Long}, {@code Double}, {@code Boolean}, {@code Path},
     * {@code String} for a choice, {@code List<String>} for
     * a list of strings or locations).
     */
    public Parameters(List<ParameterSpec> specs, Map<String, ?> values) {
        Map<String, ParameterSpec> bySpec = new LinkedHashMap<>();
        for (ParameterSpec spec : specs) {
            bySpec.put(spec.name(), spec);
        }
        for (String key : values.keySet()) {
            if (!bySpec.containsKey(key)) {
                throw new IllegalArgumentException("value given for undeclared parameter '" + key + "'");
            }
        }
        this.specs = Collections.unmodifiableMap(bySpec);
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** No parameters at all. */
    public static Parameters none() {
        return new Parameters(List.of(), Map.of());
    }

    public boolean has(String name) {
        spec(name);
        return values.containsKey(name);
    }

    public String getString(String name) {
        return get(name, String.class, ParameterType.STRING, ParameterType.CHOICE);
    }

    public Optional<String> findString(String name) {
        return has(name) ? Optional.of(getString(name)) : Optional.empty();
    }

    public long getLong(String name) {
        return get(name, Long.class, ParameterType.INTEGER);
    }

    /**
     * An integer parameter that must fit an {@code int}.
     *
     * @throws InvalidParameterException naming the parameter when its value does not fit an int
     */
    public int getInt(String name) {
        long v = getLong(name);
        if (v != (int) v) {
            throw new InvalidParameterException(
                    name, name + " must be from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ", found " + v);
        }
        return (int) v;
    }

    public double getDouble(String name) {
        return get(name, Double.class, ParameterType.NUMBER);
    }

    public boolean getBoolean(String name) {
        return get(name, Boolean.class, ParameterType.BOOLEAN);
    }

    public Path getPath(String name) {
        return get(name, Path.class, ParameterType.PATH);
    }

    public Optional<Path> findPath(String name) {
        return has(name) ? Optional.of(getPath(name)) : Optional.empty();
    }

    /**
     * A locations parameter: paths (resolved against the pipeline file's folder, globs kept) and URIs, in the order
     * written.
     */
    @SuppressWarnings("unchecked")
    public List<String> getLocations(String name) {
        return get(name, List.class, ParameterType.LOCATIONS);
    }

    @SuppressWarnings("unchecked")
    public List<String> getStringList(String name) {
        return get(name, List.class, ParameterType.STRING_LIST);
    }

    /** A mapping parameter: names to their values as text (null where none was written), in the order written. */
    @SuppressWarnings("unchecked")
    public Map<String, String> getMap(String name) {
        return get(name, Map.class, ParameterType.MAP);
    }

    /** The values present, for provenance records. */
    public Map<String, Object> asMap() {
        return values;
    }

    private ParameterSpec spec(String name) {
        ParameterSpec spec = specs.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("parameter '" + name + "' is not declared; declared: " + specs.keySet());
        }
        return spec;
    }

    private <T> T get(String name, Class<T> javaType, ParameterType... allowed) {
        ParameterSpec spec = spec(name);
        if (!List.of(allowed).contains(spec.type())) {
            throw new IllegalArgumentException("parameter '" + name + "' is a "
                    + spec.type().label() + ", not read as " + javaType.getSimpleName());
        }
        Object value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("parameter '" + name + "' has no value and no default");
        }
        return javaType.cast(value);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
