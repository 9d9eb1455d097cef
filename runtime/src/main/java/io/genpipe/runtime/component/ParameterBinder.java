package io.genpipe.runtime.component;

import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
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
            } else if (converted instanceof Number && outOfRange(spec, ((Number) converted).doubleValue())) {
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
        switch (spec.type()) {
            case INTEGER:
                return "an integer";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "true or false";
            case CHOICE:
                return "one of " + String.join(", ", spec.choices());
            case STRING_LIST:
                return "a list of strings";
            case PATH:
                return "a path";
            default:
                return "a string";
        }
    }

    private static boolean outOfRange(ParameterSpec spec, double v) {
        return (spec.min() != null || spec.max() != null) && Double.isNaN(v)
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
        return spec.type() == ParameterType.INTEGER || v == Math.rint(v) && Math.abs(v) < 1e15
                ? Long.toString((long) v)
                : Double.toString(v);
    }

    private static String show(Object value) {
        return value instanceof String ? "'" + value + "'" : String.valueOf(value);
    }

    /** The converted value, or null when it does not fit the type. */
    private static Object convert(ParameterSpec spec, Object value, Path baseDir) {
        switch (spec.type()) {
            case STRING:
                return value instanceof String || value instanceof Number || value instanceof Boolean
                        ? value.toString()
                        : null;
            case INTEGER:
                return toLong(value);
            case NUMBER:
                return toDouble(value);
            case BOOLEAN:
                if (value instanceof Boolean) {
                    return value;
                }
                if (value instanceof String) {
                    String s = ((String) value).trim().toLowerCase(Locale.ROOT);
                    return s.equals("true") ? Boolean.TRUE : s.equals("false") ? Boolean.FALSE : null;
                }
                return null;
            case PATH:
                if (value instanceof Path) {
                    return baseDir.resolve((Path) value).normalize();
                }
                return value instanceof String && !((String) value).isBlank()
                        ? baseDir.resolve(((String) value).trim()).normalize()
                        : null;
            case CHOICE:
                return value instanceof String && spec.choices().contains(((String) value).trim())
                        ? ((String) value).trim()
                        : null;
            case STRING_LIST:
                if (value instanceof List) {
                    List<?> list = (List<?>) value;
                    return list.stream().allMatch(v -> v instanceof String || v instanceof Number)
                            ? list.stream().map(Object::toString).collect(Collectors.toUnmodifiableList())
                            : null;
                }
                if (value instanceof String) {
                    return List.of(((String) value).split(",")).stream()
                            .map(String::trim)
                            .filter(s -> !s.isEmpty())
                            .collect(Collectors.toUnmodifiableList());
                }
                return null;
            default:
                return null;
        }
    }

    private static Long toLong(Object value) {
        try {
            BigDecimal d = value instanceof Number
                    ? new BigDecimal(value.toString())
                    : value instanceof String ? new BigDecimal(((String) value).trim()) : null;
            return d == null ? null : d.longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
    }

    private static Double toDouble(Object value) {
        if (value instanceof Number) {
            return ((Number) value).doubleValue();
        }
        if (value instanceof String) {
            try {
                double d = Double.parseDouble(((String) value).trim());
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
