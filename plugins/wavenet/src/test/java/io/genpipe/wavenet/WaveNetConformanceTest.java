package io.genpipe.wavenet;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.io.Wav;
import io.genpipe.testkit.ComponentCase;
import io.genpipe.testkit.PluginConformance;
import io.genpipe.testkit.PluginUnderTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The plugin kit's conformance suite over the WaveNet plugin, loaded from its jar in a plugins folder. */
class WaveNetConformanceTest extends PluginConformance {

    static final Path ROOT = Path.of(System.getProperty("genpipe.repo.root"));
    static final Path CLIPS = ROOT.resolve("data").resolve("speech").resolve("clips");

    @Override
    protected PluginUnderTest loadPlugin() {
        return PluginUnderTest.buildOutput();
    }

    @Override
    protected List<ComponentCase> cases() {
        return List.of(
                ComponentCase.of("wavenet-generator")
                        .with("promptSamples", 0)
                        .with("samples", 48)
                        .rows(4)
                        .invalid("temperature", 0)
                        .invalid("samples", 0),
                ComponentCase.of("wavenet-generator")
                        .with("promptSamples", 200)
                        .with("samples", 32)
                        .with("topP", 0.9)
                        .input(() -> clips(6, 400)),
                ComponentCase.of("wavenet-scorer").input(() -> clips(6, 1200)).invalid("report", "nats"),
                ComponentCase.of("wavenet-scorer")
                        .with("report", "log-likelihood")
                        .input(() -> clips(6, 700)));
    }

    /** The first {@code samples} of the first {@code rows} bundled clips, lengths staggered so padding is exercised. */
    static Batch clips(int rows, int samples) {
        float[] audio = new float[rows * samples];
        long[] length = new long[rows];
        List<RowMeta> meta = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            String name = String.format("speech-%03d.wav", r);
            double[] x = Wav.read(CLIPS.resolve(name));
            length[r] = Math.min(samples - 37L * r, x.length);
            for (int t = 0; t < length[r]; t++) {
                audio[r * samples + t] = (float) x[t];
            }
            meta.add(RowMeta.of(name));
        }
        return Batch.builder(rows)
                .meta(meta)
                .column("audio", BufferTensor.ofFloats(audio, rows, samples))
                .column("length", BufferTensor.ofLongs(length, rows))
                .build();
    }
}
