package io.genpipe.runtime.pipeline;

import io.genpipe.api.GenpipeException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The side values of one run: one slot per value a step declared, filled once by its producer and
 * read (waiting) by its consumers. A producer that ends without publishing fails its slots, so a
 * consumer never waits forever.
 */
final class SideValues {

    private final Map<String, CompletableFuture<Object>> slots = new ConcurrentHashMap<>();

    /** Declares that {@code step} will publish {@code name}. */
    void declare(String step, String name) {
        slots.put(step + "/" + name, new CompletableFuture<>());
    }

    void publish(String step, String name, Object value) {
        CompletableFuture<Object> slot = slots.get(step + "/" + name);
        if (slot == null) {
            throw new IllegalStateException("step '" + step + "' declares no side value '" + name + "'");
        }
        if (!slot.complete(value)) {
            throw new IllegalStateException("step '" + step + "' published '" + name + "' twice");
        }
    }

    Object get(String step, String name) throws InterruptedException {
        CompletableFuture<Object> slot = slots.get(step + "/" + name);
        if (slot == null) {
            throw new IllegalStateException("no step '" + step + "' publishes '" + name + "' in this run");
        }
        try {
            return slot.get();
        } catch (ExecutionException e) {
            throw (GenpipeException) e.getCause();
        }
    }

    /** Fails every slot of {@code step} it did not fill (called when the step's thread ends). */
    void ended(String step) {
        slots.forEach((key, slot) -> {
            if (key.startsWith(step + "/") && !slot.isDone()) {
                slot.completeExceptionally(new GenpipeException(
                        "step '" + step + "' ended without publishing its " + key.substring(step.length() + 1)));
            }
        });
    }
}
