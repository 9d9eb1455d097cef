package io.genpipe.runtime.step;

import java.io.OutputStream;
import java.util.List;

/**
 * A sink that can write its files in parts, one per slice of its rows, each where the slice is (Spark's executors,
 * into a Hadoop file system). How the parts make the file the sink writes alone is its {@link #joining}: for a
 * line file (JSON lines, CSV, text) the parts' bytes one after the other; for IDX, each part is an IDX file of its
 * rows and the merge writes one header counting them all. {@code genpipe merge} writes the single files, byte for
 * byte those the sink writes alone.
 */
public interface PartedSink {

    /** How a file's parts make the file. */
    enum Joining {
        /** The parts' bytes one after the other (part 0 begins with what the file begins with). */
        CONCAT,
        /** Each part a gzipped IDX file of its rows; the file: one header counting every part's rows, the bodies. */
        IDX
    }

    /** The files the sink writes, relative to the output folder (each one's parts go in a folder of that name). */
    List<String> files(String stepId);

    default Joining joining() {
        return Joining.CONCAT;
    }

    /**
     * Writes part {@code part} of each file, {@code outs} in the order of {@link #files}.
     *
     * @return how many rows it wrote
     * @throws Exception naming the row when a row cannot be written (a text sink's row without a text)
     */
    long writePart(int part, BatchInput rows, List<OutputStream> outs, StepContext context) throws Exception;
}
