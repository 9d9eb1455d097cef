package io.genpipe.api.text;

import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import java.util.List;

/**
 * When a row's generation ends: when it samples end of text (never before {@code minTokens}
 * tokens: until then end of text gets no probability), after {@code maxTokens} generated tokens, or
 * as soon as the generated text contains one of {@code stopSequences} (the matched sequence and
 * anything after it are not part of the result).
 */
public record StopRule(int maxTokens, List<String> stopSequences, int minTokens) {

    /** The parameters every token generator declares, with these names and defaults. */
    public static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.optional("maxTokens", ParameterType.INTEGER, "200", "most tokens generated per row")
                    .range(1, 100_000),
            ParameterSpec.optional(
                    "stop",
                    ParameterType.STRING_LIST,
                    null,
                    "stop sequences: generation ends before the first one that appears (e.g. [\"\\n\\n\"])"),
            ParameterSpec.optional(
                            "minTokens",
                            ParameterType.INTEGER,
                            "0",
                            "end of text is not sampled before this many tokens (fixed-length runs: minTokens = maxTokens)")
                    .range(0, 100_000));

    public StopRule {
        if (maxTokens < 1) {
            throw new InvalidParameterException("maxTokens", "maxTokens must be at least 1, found " + maxTokens);
        }
        if (minTokens < 0 || minTokens > maxTokens) {
            throw new InvalidParameterException(
                    "minTokens", "minTokens must be between 0 and maxTokens (" + maxTokens + "), found " + minTokens);
        }
        stopSequences = List.copyOf(stopSequences);
        for (String s : stopSequences) {
            if (s.isEmpty()) {
                throw new InvalidParameterException("stop", "a stop sequence cannot be empty");
            }
        }
    }

    public StopRule(int maxTokens, List<String> stopSequences) {
        this(maxTokens, stopSequences, 0);
    }

    public static StopRule maxTokens(int maxTokens) {
        return new StopRule(maxTokens, List.of());
    }

    /** The rule a pipeline step configured through {@link #PARAMETERS}. */
    public static StopRule fromParameters(Parameters p) {
        return new StopRule(
                p.getInt("maxTokens"), p.has("stop") ? p.getStringList("stop") : List.of(), p.getInt("minTokens"));
    }

    /** Where the first stop sequence starts in {@code text} at or after {@code from}, or -1. */
    int firstStop(StringBuilder text, int from) {
        int best = -1;
        for (String stop : stopSequences) {
            int at = text.indexOf(stop, Math.max(0, from));
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** How many trailing characters of {@code text} could still begin a stop sequence. */
    int heldBack(StringBuilder text) {
        int hold = 0;
        for (String stop : stopSequences) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
                if (endsWithPrefix(text, stop, k)) {
                    hold = k;
                    break;
                }
            }
        }
        return hold;
    }

    /** Whether the last {@code k} characters of {@code text} are the first {@code k} of {@code stop}. */
    private static boolean endsWithPrefix(StringBuilder text, String stop, int k) {
        int base = text.length() - k;
        for (int i = 0; i < k; i++) {
            if (text.charAt(base + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
