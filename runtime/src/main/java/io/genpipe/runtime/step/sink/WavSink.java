package io.genpipe.runtime.step.sink;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Wav;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code wav-sink} built-in step: one 16-bit mono PCM WAV per row, named after the row id, in a
 * sub-folder of the output. Only a row's first {@code length} samples are written when the input
 * has a {@code length} column (the rest is padding).
 */
public final class WavSink {

    private WavSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                        "wav-sink",
                        StepCategory.SINK,
                        "one 16-bit mono PCM WAV per row in a folder of the output, named after the row id (only its first length samples)",
                        List.of(
                                ParameterSpec.optional(
                                        "column", ParameterType.STRING, "audio", "float32[batch,samples] in [-1, 1]"),
                                ParameterSpec.optional(
                                                "sampleRate",
                                                ParameterType.INTEGER,
                                                "8000",
                                                "sample rate written in the header")
                                        .range(1, 768_000),
                                ParameterSpec.optional(
                                        "folder", ParameterType.STRING, null, "sub-folder (default: the step id)")),
                        1,
                        1,
                        (p, folder) -> new Step() {
                            @Override
                            public List<PortSpec> outputs(List<StepInput> inputs) {
                                AudioRows.require(p.getString("column"), inputs.get(0));
                                return List.of();
                            }

                            @Override
                            public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                    throws Exception {
                                Path dir = OutputPaths.resolve(
                                        context.outputFolder(),
                                        p.findString("folder").orElse(context.stepId()));
                                Files.createDirectories(dir);
                                Set<String> written = new HashSet<>();
                                for (Batch next = inputs.get(0).next();
                                        next != null;
                                        next = inputs.get(0).next()) {
                                    try (Batch b = next) {
                                        float[] audio =
                                                b.column(p.getString("column")).toFloatArray();
                                        int width = audio.length / Math.max(1, b.rows());
                                        int[] valid = AudioRows.valid(b, width);
                                        for (int r = 0; r < b.rows(); r++) {
                                            int n = valid[r];
                                            String name = fileName(b.meta(r).id());
                                            if (!written.add(name)) {
                                                throw new GenpipeException("two rows would both be written to " + name
                                                        + " (row ids must be unique to name their WAV files)");
                                            }
                                            Path file = dir.resolve(name);
                                            try {
                                                Wav.write(file, audio, r * width, n, p.getInt("sampleRate"));
                                            } catch (IOException e) {
                                                throw new GenpipeException(
                                                        "cannot write "
                                                                + context.outputFolder()
                                                                        .relativize(file) + ": " + e.getMessage(),
                                                        e);
                                            }
                                        }
                                    }
                                }
                            }
                        })
                .writes("folder");
    }

    /** The row id as a file name: unsafe characters replaced, {@code .wav} appended unless it ends so. */
    static String fileName(String id) {
        String safe = OutputPaths.safeName(id);
        return safe.toLowerCase(Locale.ROOT).endsWith(".wav") ? safe : safe + ".wav";
    }
}
