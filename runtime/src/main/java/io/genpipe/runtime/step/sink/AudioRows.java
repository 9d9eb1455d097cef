package io.genpipe.runtime.step.sink;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.runtime.step.Columns;
import io.genpipe.runtime.step.StepInput;

/**
 * What the audio sinks read: a float32[batch,samples] column and, when the rows have one, an int64
 * {@code length} column saying how many of each row's samples are real (the rest is padding).
 */
final class AudioRows {

    private AudioRows() {}

    /** Checks the input has {@code column} as float32[batch,samples], and {@code length} as int64[batch] if it has one. */
    static void require(String column, StepInput input) {
        Columns.require(PortSpec.of(column, DType.FLOAT32, "batch", "samples"), input);
        if (input.columns().stream().anyMatch(s -> s.name().equals("length"))) {
            Columns.require(PortSpec.of("length", DType.INT64, "batch"), input);
        }
    }

    /** Each row's real sample count: its {@code length} clamped to [0, width], or the width when there is no length column. */
    static int[] valid(Batch b, int width) {
        int[] n = new int[b.rows()];
        long[] length = b.hasColumn("length") ? b.column("length").toLongArray() : null;
        for (int r = 0; r < n.length; r++) {
            n[r] = length == null ? width : (int) Math.max(0, Math.min(width, length[r]));
        }
        return n;
    }
}
