package io.genpipe.runtime.onnx;

import java.util.Locale;
import java.util.Optional;

/** Where model sessions get their intra-op threads. */
public enum ThreadPool {
    /** Every session on the process's one intra-op pool. */
    SHARED("shared"),
    /** Each session with a pool of its own. */
    PER_SESSION("per-session");

    private final String label;

    ThreadPool(String label) {
        this.label = label;
    }

    /** As written in files and options: {@code shared} or {@code per-session}. */
    public String label() {
        return label;
    }

    /** The pool {@code text} names ({@code shared} or {@code per-session}), if it names one. */
    public static Optional<ThreadPool> parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (ThreadPool p : values()) {
            if (p.label.equals(t)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return label;
    }
}
