package io.genpipe.api.spi;

/** Types a component parameter can have; values are converted and checked by the host. */
public enum ParameterType {
    /** Any text. */
    STRING("string"),
    /** A whole number (64-bit). */
    INTEGER("integer"),
    /** A decimal number. */
    NUMBER("number"),
    /** {@code true} or {@code false}. */
    BOOLEAN("boolean"),
    /** A file system path, resolved against the pipeline file's folder. */
    PATH("path"),
    /** One of {@link ParameterSpec#choices()}. */
    CHOICE("choice"),
    /** A list of strings (a YAML list, or comma-separated text). */
    STRING_LIST("list of strings"),
    /** Names mapped to text (a YAML mapping of scalars), in the order written; a value may be null. */
    MAP("mapping of names to values");

    private final String label;

    ParameterType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
