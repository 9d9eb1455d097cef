package io.genpipe.runtime.onnx;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Closes everything registered with it, newest first, when it closes. Idempotent. Use it to give
 * temporaries of a loop iteration one owner:
 *
 * <pre>{@code
 * try (TensorScope scope = new TensorScope()) {
 *     ModelOutputs out = scope.add(model.run(inputs));
 *     Tensor next = scope.add(out.take("present"));
 * }
 * }</pre>
 */
public final class TensorScope implements AutoCloseable {

    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private boolean closed;

    /** Registers {@code resource} and returns it. */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        if (closed) {
            throw new IllegalStateException("scope is closed");
        }
        owned.push(resource);
        return resource;
    }

    /** Closes everything registered, newest first; the first failure is rethrown after all closed. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure =
                            e instanceof RuntimeException runtimeException ? runtimeException : new RuntimeException(e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
