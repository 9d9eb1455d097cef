package io.genpipe.runtime.component;

import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.io.Storages;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns raw values (from a pipeline file or an embedding application) into checked, typed
 * {@link Parameters} for one factory. This is the one place configuration enters a component:
 * unknown keys (with a did-you-mean), missing required values and ill-typed values are all
 * reported together.
 */
public final class ParameterBinder {

    private ParameterBinder() {}

    /**
     * Checks and converts {@code raw} against the parameters {@code specs} declares.
     *
     * @param raw values by parameter name; strings, numbers, booleans, paths or lists
     * @param baseDir folder relative paths are resolved against (a pipeline file's folder)
     * @throws ParameterException listing every problem, each naming the component and parameter
     */
    public static Parameters bind(ComponentFactory<?> factory, Map<String, ?> raw, Path baseDir) {
        return bind(factory.parameters(), factory.role().label() + " '" + factory.name() + "'", raw, baseDir);
    }

    /**
     * Binds against a list of parameter specs; {@code who} names the owner in messages, e.g.
     * {@code built-in step 'idx-source'}.
     */
    public static Parameters bind(List<ParameterSpec> declared, String who, Map<String, ?> raw, Path baseDir) {
        List<String> problems = new ArrayList<>();
        List<String> concerned = new ArrayList<>();
        Map<String, ParameterSpec> specs = new LinkedHashMap<>();
        for (ParameterSpec spec : declared) {
            specs.put(spec.name(), spec);
        }
        for (String key : raw.keySet()) {
            if (!specs.containsKey(key)) {
                concerned.add(key);
                problems.add("unknown parameter '" + key + "' for " + who + DidYouMean.hint(key, specs.keySet())
                        + " (its parameters: " + (specs.isEmpty() ? "none" : String.join(", ", specs.keySet())) + ")");
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParameterSpec spec : specs.values()) {
            Object value = raw.get(spec.name());
            if (value == null) {
                if (spec.defaultValue() != null) {
                    Object converted = convert(spec, spec.defaultValue(), baseDir);
                    if (converted == null) {
                        throw new IllegalStateException(
                                who + " declares default '" + spec.defaultValue() + "' for '" + spec.name()
                                        + "', which is not a " + spec.type().label());
                    }
                    values.put(spec.name(), converted);
                } else if (spec.required()) {
                    concerned.add(spec.name());
                    problems.add("missing required parameter '" + spec.name() + "' ("
                            + spec.type().label() + (spec.description().isEmpty() ? "" : ": " + spec.description())
                            + ") for " + who);
                }
                continue;
            }
            Object converted = convert(spec, value, baseDir);
            if (converted == null) {
                concerned.add(spec.name());
                problems.add("parameter '" + spec.name() + "' of " + who + " must be " + expectation(spec) + ", got "
                        + show(value));
            } else if (converted instanceof Number number && outOfRange(spec, number.doubleValue())) {
                concerned.add(spec.name());
                problems.add("parameter '" + spec.name() + "' of " + who + " must be " + range(spec) + ", got "
                        + show(value));
            } else {
                values.put(spec.name(), converted);
            }
        }
        if (!problems.isEmpty()) {
            throw new ParameterException(problems, concerned);
        }
        return new Parameters(declared, values);
    }

    private static String expectation(ParameterSpec spec) {
        return switch (spec.type()) {
            case INTEGER -> "an integer";
            case NUMBER -> "a number";
            case BOOLEAN -> "true or false";
            case CHOICE -> "one of " + String.join(", ", spec.choices());
            case STRING_LIST -> "a list of strings";
            case MAP -> "a mapping of names to values, e.g. {high: \"score > 2\", default: rest}";
            case PATH -> "a path";
            case LOCATIONS -> "a path, a glob, a URI (hdfs://, s3a://, file:) or a list of them";
            default -> "a string";
        };
    }

    private static boolean outOfRange(ParameterSpec spec, double v) {
        return ((spec.min() != null || spec.max() != null) && Double.isNaN(v))
                || (spec.min() != null && v < spec.min())
                || (spec.max() != null && v > spec.max());
    }

    /** A parameter's range in words: "from 1 to 10000", "at least 0", "at most 1". */
    public static String range(ParameterSpec spec) {
        String lo = spec.min() == null ? null : number(spec, spec.min());
        String hi = spec.max() == null || spec.max().isInfinite() ? null : number(spec, spec.max());
        return lo != null && hi != null ? "from " + lo + " to " + hi : lo != null ? "at least " + lo : "at most " + hi;
    }

    private static String number(ParameterSpec spec, double v) {
        return spec.type() == ParameterType.INTEGER || (v == Math.rint(v) && Math.abs(v) < 1e15)
                ? Long.toString((long) v)
                : Double.toString(v);
    }

    private static String show(Object value) {
        return value instanceof String ? "'" + value + "'" : String.valueOf(value);
    }

    /** The converted value, or null when it does not fit the type. */
    private static Object convert(ParameterSpec spec, Object value, Path baseDir) {
        return switch (spec.type()) {
            case STRING ->
                value instanceof String || value instanceof Number || value instanceof Boolean
                        ? value.toString()
                        : null;
            case INTEGER -> toLong(value);
            case NUMBER -> toDouble(value);
            case BOOLEAN -> {
                if (value instanceof Boolean) {
                    yield value;
                }
                if (value instanceof String text) {
                    String s = text.trim().toLowerCase(Locale.ROOT);
                    yield s.equals("true") ? Boolean.TRUE : s.equals("false") ? Boolean.FALSE : null;
                }
                yield null;
            }
            case PATH -> {
                if (value instanceof Path path) {
                    yield baseDir.resolve(path).normalize();
                }
                yield value instanceof String text && !text.isBlank()
                        ? baseDir.resolve(text.trim()).normalize()
                        : null;
            }
            case LOCATIONS -> {
                List<?> items = value instanceof List<?> list ? list : List.of(value);
                List<String> locations = new ArrayList<>();
                for (Object item : items) {
                    if (!(item instanceof String || item instanceof Path)
                            || item.toString().isBlank()) {
                        yield null;
                    }
                    locations.add(Storages.resolve(baseDir, item.toString().trim()));
                }
                yield locations.isEmpty() ? null : List.copyOf(locations);
            }
            case CHOICE -> value instanceof String text && spec.choices().contains(text.trim()) ? text.trim() : null;
            case STRING_LIST -> {
                if (value instanceof List<?> list) {
                    yield list.stream().allMatch(v -> v instanceof String || v instanceof Number)
                            ? list.stream().map(Object::toString).collect(Collectors.toUnmodifiableList())
                            : null;
                }
                if (value instanceof String text) {
                    yield List.of(text.split(",")).stream()
                            .map(String::trim)
                            .filter(s -> !s.isEmpty())
                            .collect(Collectors.toUnmodifiableList());
                }
                yield null;
            }
            case MAP -> {
                if (!(value instanceof Map<?, ?> map)) {
                    yield null;
                }
                Map<String, String> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    Object v = e.getValue();
                    if (!(e.getKey() instanceof String key)
                            || !(v == null || v instanceof String || v instanceof Number || v instanceof Boolean)) {
                        yield null;
                    }
                    out.put(key, v == null ? null : v.toString());
                }
                yield Collections.unmodifiableMap(out);
            }
        };
    }

    private static Long toLong(Object value) {
        try {
            BigDecimal d = value instanceof Number
                    ? new BigDecimal(value.toString())
                    : value instanceof String text ? new BigDecimal(text.trim()) : null;
            return d == null ? null : d.longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    private static Double toDouble(Object value) {
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof String text) {
            try {
                double d = Double.parseDouble(text.trim());
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
