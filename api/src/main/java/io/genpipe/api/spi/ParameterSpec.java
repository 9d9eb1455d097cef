package io.genpipe.api.spi;

import java.util.List;
import java.util.Objects;

/**
 * A parameter a factory accepts.
 *
 * @param name key in a pipeline's {@code with:} block
 * @param type how the value is converted and checked
 * @param required whether a value must be given
 * @param defaultValue the value used when none is given, as text (null: no default)
 * @param description one line for help output
 * @param choices the allowed values of a {@link ParameterType#CHOICE}; empty otherwise
 * @param min the smallest value an {@link ParameterType#INTEGER} or {@link ParameterType#NUMBER}
 *     parameter accepts (null: no bound); the host refuses others, naming the parameter and range
 * @param max the largest value it accepts (null: no bound)
 */
public record ParameterSpec(
        String name,
        ParameterType type,
        boolean required,
        String defaultValue,
        String description,
        List<String> choices,
        Double min,
        Double max) {

    /** A parameter without a range. */
    public ParameterSpec(
            String name,
            ParameterType type,
            boolean required,
            String defaultValue,
            String description,
            List<String> choices) {
        this(name, type, required, defaultValue, description, choices, null, null);
    }

    public ParameterSpec {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(type, "type is null");
        Objects.requireNonNull(description, "description is null");
        choices = List.copyOf(choices);
        if (type == ParameterType.CHOICE && choices.isEmpty()) {
            throw new IllegalArgumentException("choice parameter '" + name + "' lists no choices");
        }
        if (required && defaultValue != null) {
            throw new IllegalArgumentException("required parameter '" + name + "' cannot have a default");
        }
        if ((min != null || max != null) && type != ParameterType.INTEGER && type != ParameterType.NUMBER) {
            throw new IllegalArgumentException(
                    "parameter '" + name + "' is a " + type.label() + "; only numbers have a range");
        }
    }

    /**
     * This parameter, accepting only values from {@code low} to {@code high} (inclusive).
     *
     * <pre>{@code
     * ParameterSpec.optional("samples", ParameterType.INTEGER, "1", "importance samples").range(1, 10_000)
     * }</pre>
     */
    public ParameterSpec range(double low, double high) {
        if (!(low <= high)) {
            throw new IllegalArgumentException("range of '" + name + "': " + low + " > " + high);
        }
        return new ParameterSpec(name, type, required, defaultValue, description, choices, low, high);
    }

    public static ParameterSpec required(String name, ParameterType type, String description) {
        return new ParameterSpec(name, type, true, null, description, List.of());
    }

    public static ParameterSpec optional(String name, ParameterType type, String defaultValue, String description) {
        return new ParameterSpec(name, type, false, defaultValue, description, List.of());
    }

    public static ParameterSpec choice(String name, String defaultValue, String description, String... choices) {
        return new ParameterSpec(name, ParameterType.CHOICE, false, defaultValue, description, List.of(choices));
    }
}
