package io.genpipe.api.text;

/**
 * Maps text to token ids and back. Token {@link #endOfText()} separates documents: a generator
 * starts from it and stops when it samples it.
 */
public interface Vocabulary {

    /** A name recorded in model metadata, e.g. {@code printable-ascii-97}. */
    String name();

    /** Number of token ids; logits have this many entries. */
    int size();

    /** The end-of-text id. */
    int endOfText();

    /**
     * The ids of {@code text}.
     *
     * @throws io.genpipe.api.GenpipeException naming the first character that cannot be encoded,
     *     its position, and what the vocabulary accepts
     */
    int[] encode(String text);

    /** The text of one id; the end-of-text id decodes to the empty string. */
    String decode(int token);

    /** The text of a sequence of ids. */
    default String decode(int[] tokens, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to; i++) {
            s.append(decode(tokens[i]));
        }
        return s.toString();
    }
}
