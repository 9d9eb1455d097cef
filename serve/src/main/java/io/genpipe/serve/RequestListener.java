package io.genpipe.serve;

import io.genpipe.api.text.TokenListener;
import java.util.function.BooleanSupplier;

/**
 * A text request's listener: its pieces go to {@code pieces} (a stream; none for a whole answer), and its
 * generation stops at the next token once {@link #cancel()} is called (the client went away, the deadline
 * passed) or {@code stopping} says the server's drain is over.
 */
final class RequestListener implements TokenListener {

    private final TokenListener pieces;
    private final BooleanSupplier stopping;
    private volatile boolean cancelled;

    RequestListener(TokenListener pieces, BooleanSupplier stopping) {
        this.pieces = pieces == null ? TokenListener.NONE : pieces;
        this.stopping = stopping;
    }

    void cancel() {
        cancelled = true;
    }

    @Override
    public void onText(int row, String piece) {
        pieces.onText(row, piece);
    }

    @Override
    public void onFinish(int row, String reason) {
        pieces.onFinish(row, reason);
    }

    @Override
    public boolean cancelled(int row) {
        return cancelled || stopping.getAsBoolean();
    }
}
