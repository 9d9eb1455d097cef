package io.genpipe.runtime.pipeline.run;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.pipeline.Location;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Why a run failed, as data: what kind of failure ({@link Code}), the step (and its place in the pipeline file)
 * or the request it concerns, whether the run had an output folder (and so wrote nothing), and the reason.
 * Every runner throws this one type; the command line, the server and the Spark engine render it. Serializable,
 * so that a failure on a Spark executor reaches the driver as itself.
 *
 * <p>{@link #getMessage()} is the one-line rendering people read: {@code step 'gate' failed: REASON; no output
 * was written}.
 */
public final class RunFailure extends GenpipeException {

    private static final long serialVersionUID = 1L;

    /** What every failed run with an output folder ends its message with: genpipe writes all or nothing. */
    public static final String NOTHING_WRITTEN = "no output was written";

    /** What kind of failure. */
    public enum Code {
        /** A step refused what it was given (its own {@link GenpipeException}): bad input rows, say. */
        STEP_REFUSED,
        /** A step failed otherwise: a bug, an I/O error, a native error. */
        STEP_FAILED,
        /** The run was stopped (a signal, {@code cancel()}). */
        STOPPED,
        /** The thread waiting for the run was interrupted. */
        INTERRUPTED,
        /** The output folder, run.json or a final step's file could not be written. */
        OUTPUT,
        /** The engine failed outside any step (a Spark job, an executor that cannot rebuild the pipeline). */
        ENGINE
    }

    private final Code code;
    private final String step;
    private final String file;
    private final int line;
    private final String request;
    private final String outputFolder;
    private final String reason;

    private RunFailure(
            Code code,
            String step,
            String file,
            int line,
            String request,
            String outputFolder,
            String reason,
            Throwable cause) {
        super(render(step, outputFolder, reason), cause);
        this.code = code;
        this.step = step;
        this.file = file;
        this.line = line;
        this.request = request;
        this.outputFolder = outputFolder;
        this.reason = reason;
    }

    /**
     * {@code cause}, thrown by the step {@code step} (written at {@code at}, when known), as a failure: refused
     * when it is a {@link GenpipeException} (its message is the reason), failed otherwise.
     */
    public static RunFailure inStep(String step, Location at, Throwable cause) {
        if (cause instanceof RunFailure f) {
            return f;
        }
        boolean refused = cause instanceof GenpipeException;
        return new RunFailure(
                refused ? Code.STEP_REFUSED : Code.STEP_FAILED,
                step,
                at == null ? null : at.file().toString(),
                at == null ? 0 : at.line(),
                null,
                null,
                refused ? cause.getMessage() : cause.toString(),
                cause);
    }

    /** The run was stopped before it ended. */
    public static RunFailure stopped(String detail) {
        return new RunFailure(Code.STOPPED, null, null, 0, null, null, "run stopped by a signal" + detail, null);
    }

    /** The thread running the run was interrupted. */
    public static RunFailure interrupted() {
        return new RunFailure(Code.INTERRUPTED, null, null, 0, null, null, "run interrupted", null);
    }

    /** The output could not be written. */
    public static RunFailure output(String reason, Throwable cause) {
        return new RunFailure(Code.OUTPUT, null, null, 0, null, null, reason, cause);
    }

    /** The output a final step writes could not be written. */
    public static RunFailure output(String step, String reason, Throwable cause) {
        return new RunFailure(Code.OUTPUT, step, null, 0, null, null, reason, cause);
    }

    /** The engine failed outside any step. */
    public static RunFailure engine(String reason, Throwable cause) {
        return new RunFailure(Code.ENGINE, null, null, 0, null, null, reason, cause);
    }

    /** This failure of a run that had the output folder {@code target}, where nothing was written. */
    public RunFailure nothingWrittenTo(Path target) {
        return new RunFailure(code, step, file, line, request, target.toString(), reason, this);
    }

    /** This failure, of the request {@code id} (a served pipeline's). */
    public RunFailure inRequest(String id) {
        return new RunFailure(code, step, file, line, id, outputFolder, reason, this);
    }

    /** The kind of failure. */
    public Code code() {
        return code;
    }

    /** The id of the step that failed, if a step did. */
    public Optional<String> step() {
        return Optional.ofNullable(step);
    }

    /** Where that step is written in the pipeline file, when known. */
    public Optional<Location> location() {
        return file == null ? Optional.empty() : Optional.of(new Location(Path.of(file), line, 0));
    }

    /** The request that ran the pipeline, for a served pipeline. */
    public Optional<String> request() {
        return Optional.ofNullable(request);
    }

    /** Whether the run wrote anything into its output folder: never, for a failed run. */
    public boolean outputWritten() {
        return false;
    }

    /** The output folder the run would have written, for a run that had one. */
    public Optional<String> outputFolder() {
        return Optional.ofNullable(outputFolder);
    }

    /** What went wrong, without the step or the output: the step's own message, say. */
    public String reason() {
        return reason;
    }

    /** The failure as {@code step 'ID' failed: REASON} (no word about an output folder): for a request's answer. */
    public String describe() {
        return render(step, null, reason);
    }

    private static String render(String step, String outputFolder, String reason) {
        return (step != null ? "step '" + step + "' failed: " : "")
                + reason
                + (outputFolder != null ? "; " + NOTHING_WRITTEN : "");
    }
}
