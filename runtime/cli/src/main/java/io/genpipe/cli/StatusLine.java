package io.genpipe.cli;

import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.PipelineRunner;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * On a terminal: one status line, redrawn in place at most 5 times a second, with every step's row
 * count so far ({@code test 4500 | score 4000 | ...}). Off a terminal the runner's plain per-step
 * lines are all there is.
 */
final class StatusLine implements PipelineRunner.Progress, AutoCloseable {

    private final PrintWriter err;
    private final Map<String, Long> rows = new ConcurrentHashMap<>();
    private final Map<String, Integer> order = new LinkedHashMap<>();
    private volatile long lastDraw;
    private int width;

    StatusLine(PrintWriter err, PipelinePlan plan) {
        this.err = err;
        int i = 0;
        for (PipelinePlan.Planned p : plan.steps()) {
            order.put(p.id(), i++);
        }
    }

    @Override
    public void rows(String stepId, long count) {
        rows.put(stepId, count);
        long now = System.nanoTime();
        if (now - lastDraw > 200_000_000L) {
            lastDraw = now;
            draw();
        }
    }

    private synchronized void draw() {
        StringBuilder line = new StringBuilder("genpipe: ");
        for (String id : order.keySet()) {
            Long n = rows.get(id);
            if (n != null) {
                if (line.length() > 9) {
                    line.append(" | ");
                }
                line.append(id).append(' ').append(n);
            }
        }
        String text = line.length() > 150 ? line.substring(0, 147) + "..." : line.toString();
        err.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
        err.flush();
        width = text.length();
    }

    @Override
    public synchronized void close() {
        if (width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
        }
    }
}
