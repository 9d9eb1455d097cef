package io.genpipe.runtime.step;

import java.io.OutputStream;

/**
 * A sink whose file is its rows' bytes one after the other (JSON lines, CSV, text): it can write the file in parts,
 * one per slice of its rows, each where the slice is (Spark's executors, into a Hadoop file system). The parts
 * concatenated in order are the file the sink writes alone, byte for byte ({@code genpipe merge}).
 */
public interface PartedSink {

    /** The file the sink writes, relative to the output folder (its parts go in a folder of that name). */
    String file(String stepId);

    /**
     * Writes part {@code part} of the file: its rows' bytes, as the whole file holds them; part 0 begins with what
     * the file begins with (a CSV header), even when it has no rows.
     *
     * @return how many rows it wrote
     * @throws Exception naming the row when a row cannot be written (a text sink's row without a text)
     */
    long writePart(int part, BatchInput rows, OutputStream out, StepContext context) throws Exception;
}
