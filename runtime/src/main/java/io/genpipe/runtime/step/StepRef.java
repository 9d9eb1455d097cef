package io.genpipe.runtime.step;

/**
 * What a step's {@code inputs:} names: a step, or one named output of a step that has several ({@code
 * split.high}: the rows step {@code split} sends to its output {@code high}).
 *
 * @param step the producing step's id
 * @param output the output's name, or null for a step's only output
 */
public record StepRef(String step, String output) {

    /** {@code step} or {@code step.output} as written. */
    public static StepRef parse(String text) {
        int dot = text.indexOf('.');
        return dot < 0 ? new StepRef(text, null) : new StepRef(text.substring(0, dot), text.substring(dot + 1));
    }

    @Override
    public String toString() {
        return output == null ? step : step + "." + output;
    }
}
