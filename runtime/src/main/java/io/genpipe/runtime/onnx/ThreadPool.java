package io.genpipe.runtime.onnx;

import io.genpipe.runtime.component.Labels;
import java.util.Optional;

/** Where model sessions get their intra-op threads. */
public enum ThreadPool implements Labels.Labelled {
    /** Every session on the process's one intra-op pool. */
    SHARED("shared"),
    /** Each session with a pool of its own. */
    PER_SESSION("per-session");

    private final String label;

    ThreadPool(String label) {
        this.label = label;
    }

    /** As written in files and options: {@code shared} or {@code per-session}. */
    @Override
    public String label() {
        return label;
    }

    /** The pool {@code text} names ({@code shared} or {@code per-session}), if it names one. */
    public static Optional<ThreadPool> parse(String text) {
        return Labels.parse(ThreadPool.class, text);
    }

    @Override
    public String toString() {
        return label;
    }
}
