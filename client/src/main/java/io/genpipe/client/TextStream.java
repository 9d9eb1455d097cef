package io.genpipe.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A text generation as it happens: the pieces in order, as the server makes them ({@link #hasNext()} waits
 * for the next one), then why it stopped and the whole text. Closing it before the end stops listening.
 *
 * <pre>{@code
 * try (TextStream s = client.generate("gpt", "The ", Map.of("seed", 3))) {
 *     s.forEachRemaining(System.out::print);
 *     System.out.println(" [" + s.finish() + "]");
 * }
 * }</pre>
 */
public final class TextStream implements Iterator<String>, AutoCloseable {

    /** What a transport puts in: a piece (String), the end, or a failure. */
    record End(String finish, String completion) {}

    private final BlockingQueue<Object> items = new LinkedBlockingQueue<>();
    private final long timeoutNanos;
    private final Runnable onClose;
    private Object next;
    private End end;

    TextStream(long timeoutNanos, Runnable onClose) {
        this.timeoutNanos = timeoutNanos;
        this.onClose = onClose;
    }

    void piece(String piece) {
        items.add(piece);
    }

    void end(String finish, String completion) {
        items.add(new End(finish, completion));
    }

    void fail(GenpipeClientException e) {
        items.add(e);
    }

    /**
     * Whether another piece comes; waits for it, at most the client's timeout.
     *
     * @throws GenpipeClientException when the generation failed or the next piece did not come in time
     */
    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (end != null) {
            return false;
        }
        Object item;
        try {
            item = items.poll(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GenpipeClientException(0, "interrupted while waiting for the next piece", e);
        }
        if (item == null) {
            throw new GenpipeClientException(
                    504, "no piece of text came within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
        if (item instanceof GenpipeClientException e) {
            end = new End(null, null);
            throw e;
        }
        if (item instanceof End e) {
            end = e;
            return false;
        }
        next = item;
        return true;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the generation has ended (" + end.finish() + ")");
        }
        String piece = (String) next;
        next = null;
        return piece;
    }

    /** Why the generation stopped ({@code length}, {@code stop}, {@code end}); reads to the end first. */
    public String finish() {
        drain();
        return end.finish();
    }

    /** The whole continuation, as the server joined it; reads to the end first. */
    public String completion() {
        drain();
        return end.completion();
    }

    private void drain() {
        while (hasNext()) {
            next();
        }
    }

    @Override
    public void close() {
        onClose.run();
    }
}
