package io.genpipe.runtime.plugin;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A call into plugin code on a thread of its own, with the plugin's class loader as the context loader, given up
 * after a time limit: a plugin that spins in a constructor or factory ends in a message, not a hang. The thread
 * is a daemon, so a call given up on never keeps the JVM alive.
 */
public final class BoundedCall {

    /** How the call ended. */
    public sealed interface Outcome<T> {}

    /** It returned {@code value}. */
    public record Returned<T>(T value) implements Outcome<T> {}

    /** It threw {@code error}. */
    public record Threw<T>(Throwable error) implements Outcome<T> {}

    /** It did not return within the limit and was left running (interrupted). */
    public record TimedOut<T>(Duration limit) implements Outcome<T> {}

    private BoundedCall() {}

    /**
     * Runs {@code body} on a daemon thread named {@code name} with {@code loader} as its context class loader.
     *
     * @param late receives what the call returns if it returns after it was given up on (to close it), or null
     * @throws InterruptedException when the caller is interrupted while waiting (the call is interrupted too)
     */
    public static <T> Outcome<T> run(
            String name, ClassLoader loader, Duration limit, Supplier<T> body, Consumer<T> late)
            throws InterruptedException {
        AtomicReference<Outcome<T>> result = new AtomicReference<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        Thread worker = new Thread(
                () -> {
                    try {
                        T value = body.get();
                        result.set(new Returned<>(value));
                        if (abandoned.get() && late != null && value != null) {
                            late.accept(value); // finished after it was given up on: nobody else will take it
                        }
                    } catch (Throwable t) {
                        result.set(new Threw<>(t));
                    }
                },
                name);
        worker.setDaemon(true);
        worker.setContextClassLoader(loader);
        worker.start();
        try {
            worker.join(Math.max(1, limit.toMillis()));
        } catch (InterruptedException e) {
            worker.interrupt();
            throw e;
        }
        if (worker.isAlive()) {
            abandoned.set(true);
            worker.interrupt();
            Outcome<T> raced = result.get();
            return raced != null ? raced : new TimedOut<>(limit);
        }
        return result.get();
    }

    /** A limit in seconds read from the environment variable {@code name} (at least 1), else {@code fallback}. */
    public static Duration limit(String name, long fallback) {
        String value = System.getenv(name);
        try {
            return Duration.ofSeconds(value == null ? fallback : Math.max(1, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(fallback);
        }
    }
}
