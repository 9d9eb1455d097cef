package io.genpipe.runtime.step;

import java.util.Map;

/**
 * A value one step computes and other steps read, declared so that the validator can check every
 * reference and the runner can order producer and consumer (a step's metrics in run.json are
 * for people; side values are for steps). A consumer names the producing step in a parameter,
 * e.g. {@code gate: {thresholds: flag}}.
 *
 * @param name what the producer publishes it as, e.g. {@code thresholds}
 * @param type what it holds
 * @param description one line for listings
 */
public record SideValue(String name, Type type, String description) {

    /** What a side value holds. Keys are class labels as text, or {@code all} for an overall value. */
    public enum Type {
        /** {@code Map<String, Double>}: a number per class, e.g. a score threshold. */
        NUMBER_PER_CLASS("number per class"),
        /** {@code Map<String, Long>}: a count per class. */
        COUNT_PER_CLASS("count per class");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The value for a row's label in a per-class side value, falling back to the overall ({@code all}) one. */
    public static Object perClass(Map<String, ?> values, Integer label) {
        Object v = values.get(label == null ? "all" : Integer.toString(label));
        return v != null ? v : values.get("all");
    }

    /**
     * A consumer's parameter that names the step publishing a side value.
     *
     * @param parameter the consumer's parameter whose value is the producing step's id
     * @param value the side value's name at the producer
     * @param type the type the consumer needs
     */
    public record Input(String parameter, String value, Type type) {}
}
