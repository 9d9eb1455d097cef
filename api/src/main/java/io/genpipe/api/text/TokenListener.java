package io.genpipe.api.text;

/**
 * Receives generated text as it is produced, piece by piece, before the batch completes. Called
 * from the generating thread; implementations must be quick and must not throw.
 */
@FunctionalInterface
public interface TokenListener {

    /** Ignores everything. */
    TokenListener NONE = (row, piece) -> {};

    /**
     * Receives a new piece of a row's text.
     *
     * @param row the row's index in the batch being generated
     * @param piece new text for that row (text held back while it might start a stop sequence is
     *     delivered once it cannot)
     */
    void onText(int row, String piece);

    /** Called once per row when its generation ends; {@code reason} as in {@link Generation#finish()}. */
    default void onFinish(int row, String reason) {}

    /**
     * Whether a row's generation should stop now: whoever asked for it no longer wants it (a client gone, a
     * deadline past, a server stopping). Asked once per row and token; the row then ends, with finish
     * {@code cancelled}, and the others go on. Must be quick.
     *
     * @param row the row's index in the batch being generated
     * @return true to stop the row
     */
    default boolean cancelled(int row) {
        return false;
    }
}
