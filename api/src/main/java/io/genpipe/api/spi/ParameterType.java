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
    /**
     * Where data is read from: a path (resolved against the pipeline file's folder), a glob of paths ({@code
     * shards/part-*.jsonl}) or a URI ({@code hdfs://...}, {@code s3a://...}, kept as written), or a list of them;
     * read as a list of strings, in the order written.
     */
    LOCATIONS("path, glob or URI, or a list of them"),
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

    /** Whether a value of this type names files (a server never takes one from a request). */
    public boolean namesFiles() {
        return this == PATH || this == LOCATIONS;
    }
}
