package io.genpipe.runtime.step.sink;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.audio.Spectrogram;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code spectrogram} built-in step: a PNG of the first rows' spectrograms, one panel per row
 * (its id as the title), in the output folder, where the {@code report} step shows it.
 */
public final class SpectrogramSink {

    private SpectrogramSink() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                        "spectrogram",
                        StepCategory.SINK,
                        "a PNG of the first rows' spectrograms (one panel per row, its valid samples only), in the output folder",
                        List.of(
                                ParameterSpec.optional(
                                        "column", ParameterType.STRING, "audio", "float32[batch,samples] in [-1, 1]"),
                                ParameterSpec.optional(
                                                "sampleRate",
                                                ParameterType.INTEGER,
                                                "8000",
                                                "sample rate, for the axes")
                                        .range(1, 768_000),
                                ParameterSpec.choice(
                                        "window",
                                        "256",
                                        "STFT window in samples (Hann)",
                                        "64",
                                        "128",
                                        "256",
                                        "512",
                                        "1024"),
                                ParameterSpec.optional("hop", ParameterType.INTEGER, "64", "samples between frames")
                                        .range(1, 65_536),
                                ParameterSpec.optional("limit", ParameterType.INTEGER, "4", "rows drawn")
                                        .range(1, 64),
                                ParameterSpec.optional("title", ParameterType.STRING, "Spectrograms", "image title"),
                                ParameterSpec.optional(
                                        "file", ParameterType.STRING, null, "file name (default <step>.png)")),
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
                                int window = Integer.parseInt(p.getString("window"));
                                int hop = p.getInt("hop");
                                int limit = p.getInt("limit");
                                List<Spectrogram.Panel> panels = new ArrayList<>();
                                for (Batch next = inputs.get(0).next();
                                        next != null;
                                        next = inputs.get(0).next()) {
                                    try (Batch b = next) {
                                        if (panels.size() >= limit) {
                                            continue; // drain the rest
                                        }
                                        float[] audio =
                                                b.column(p.getString("column")).toFloatArray();
                                        int width = audio.length / Math.max(1, b.rows());
                                        int[] valid = AudioRows.valid(b, width);
                                        for (int r = 0; r < b.rows() && panels.size() < limit; r++) {
                                            panels.add(new Spectrogram.Panel(
                                                    b.meta(r).id(),
                                                    Spectrogram.decibels(audio, r * width, valid[r], window, hop)));
                                        }
                                    }
                                }
                                Spectrogram.write(
                                        panels,
                                        p.getInt("sampleRate"),
                                        hop,
                                        p.getString("title"),
                                        OutputPaths.resolve(
                                                context.outputFolder(),
                                                p.findString("file").orElse(context.stepId() + ".png")));
                            }
                        })
                .writes("file");
    }
}
