package io.genpipe.cli;

import io.genpipe.runtime.pipeline.PipelineRunner;
import java.io.PrintWriter;

/**
 * Prints generated text to standard output as a text generator produces it: the first row that
 * streams is followed to its end, its prompt first (a pipeline with one prompt shows its whole text); other rows
 * appear only in the run's output files. Once text flows, the status line (if any) is cleared and
 * stays off so the two do not overwrite each other.
 */
final class TextStream implements PipelineRunner.Progress {

    private final PrintWriter out;
    private final StatusLine status;
    private String step;
    private String row;
    private boolean done;

    TextStream(PrintWriter out, StatusLine status) {
        this.out = out;
        this.status = status;
    }

    @Override
    public void rows(String stepId, long rows) {
        if (status != null && step == null) {
            status.rows(stepId, rows);
        }
    }

    @Override
    public boolean wantsText() {
        return true;
    }

    @Override
    public synchronized void textStart(String stepId, String rowId, String prompt) {
        if (step == null) {
            if (status != null) {
                status.close();
            }
            step = stepId;
            row = rowId;
            out.print(prompt);
            out.flush();
        }
    }

    @Override
    public synchronized void text(String stepId, String rowId, String piece) {
        if (!done && step != null && step.equals(stepId) && row.equals(rowId)) {
            out.print(piece);
            out.flush();
        }
    }

    @Override
    public synchronized void textDone(String stepId, String rowId, String finish) {
        if (step != null && !done && step.equals(stepId) && row.equals(rowId)) {
            out.println();
            out.flush();
            done = true;
        }
    }
}
