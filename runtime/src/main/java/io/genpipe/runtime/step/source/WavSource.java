package io.genpipe.runtime.step.source;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.io.Wav;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.ShardedSource;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The {@code wav-source} built-in step: mono audio from a folder of WAV files (sorted by name) or
 * one file, as {@code audio} float32[batch,samples] in [-1, 1] and {@code length} int64[batch], the
 * number of real samples in each row (the rest is zero padding). Every header is read and checked
 * when the step is built, so a wrong sample rate or a file that is not a WAV stops the run before
 * anything is written.
 */
public final class WavSource {

    /** The widest row: 10 minutes at 8 kHz, 100 s at 48 kHz. */
    static final int MAX_SAMPLES = 4_800_000;

    private WavSource() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "wav-source",
                StepCategory.SOURCE,
                "mono audio from a folder of WAV files (sorted by name) or one file: audio float32[batch,samples] in [-1, 1]"
                        + " and length int64[batch]",
                List.of(
                        ParameterSpec.optional(
                                "folder", ParameterType.PATH, null, "folder of .wav files (or give file:)"),
                        ParameterSpec.optional("file", ParameterType.PATH, null, "one .wav file (or give folder:)"),
                        ParameterSpec.optional(
                                        "sampleRate",
                                        ParameterType.INTEGER,
                                        "8000",
                                        "the sample rate every file must have (or is converted to, with resample: true)")
                                .range(1, 768_000),
                        ParameterSpec.optional(
                                "resample",
                                ParameterType.BOOLEAN,
                                "false",
                                "convert other sample rates to sampleRate (windowed sinc) instead of refusing them"),
                        ParameterSpec.optional(
                                        "samples",
                                        ParameterType.INTEGER,
                                        null,
                                        "row width: longer clips are cut, shorter ones zero-padded (default: the longest clip)")
                                .range(1, MAX_SAMPLES),
                        ParameterSpec.optional("label", ParameterType.INTEGER, null, "label for every row")),
                0,
                0,
                (p, folder) -> {
                    List<Path> files = files(p);
                    int rate = p.getInt("sampleRate");
                    boolean resample = p.getBoolean("resample");
                    long longest = 0;
                    List<Wav.Header> headers = new ArrayList<>();
                    for (Path f : files) {
                        Wav.Header h = Wav.header(f);
                        headers.add(h);
                        if (h.sampleRate() != rate && !resample) {
                            throw new GenpipeException(
                                    f + " is sampled at " + h.sampleRate() + " Hz; wav-source reads " + rate
                                            + " Hz (sampleRate: " + rate
                                            + "); set resample: true to convert it, or sampleRate: "
                                            + h.sampleRate());
                        }
                        longest = Math.max(longest, (long) Math.ceil(h.frames() * (double) rate / h.sampleRate()));
                    }
                    if (!p.has("samples") && longest > MAX_SAMPLES) {
                        throw new GenpipeException("the longest file holds " + longest + " samples; rows are at most "
                                + MAX_SAMPLES + " wide: set samples: to cut the clips");
                    }
                    int width = p.has("samples") ? p.getInt("samples") : (int) Math.max(1, longest);
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            return List.of(
                                    PortSpec.of("audio", DType.FLOAT32, "batch", width),
                                    PortSpec.of("length", DType.INT64, "batch"));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            emit(0, files.size(), output, context);
                        }

                        @Override
                        public Optional<ShardedSource> sharded() {
                            String where = p.has("folder")
                                    ? p.getPath("folder").toString()
                                    : files.get(0).toString();
                            return Optional.of(new ShardedSource() {
                                @Override
                                public List<Shard> shards(int splits) {
                                    return PngSource.ranges(where, files.size(), splits);
                                }

                                @Override
                                public void read(Shard shard, BatchOutput output, StepContext context)
                                        throws InterruptedException {
                                    emit((int) shard.first(), (int) (shard.first() + shard.count()), output, context);
                                }
                            });
                        }

                        /** The clips of files [from, to), in batches. */
                        private void emit(int start, int end, BatchOutput output, StepContext context)
                                throws InterruptedException {
                            for (int from = start; from < end; from += context.batchSize()) {
                                int to = Math.min(end, from + context.batchSize());
                                float[] audio = new float[(to - from) * width];
                                long[] length = new long[to - from];
                                List<RowMeta> meta = new ArrayList<>();
                                for (int i = from; i < to; i++) {
                                    Path f = files.get(i);
                                    double[] x = Wav.read(f);
                                    int fileRate = headers.get(i).sampleRate();
                                    if (fileRate != rate) {
                                        x = Wav.resample(x, fileRate, rate);
                                    }
                                    int n = Math.min(width, x.length);
                                    for (int t = 0; t < n; t++) {
                                        audio[(i - from) * width + t] = (float) x[t];
                                    }
                                    length[i - from] = n;
                                    RowMeta m = RowMeta.of(f.getFileName().toString())
                                            .withSource(
                                                    f.getParent() == null
                                                            ? "."
                                                            : f.getParent().toString());
                                    meta.add(p.has("label") ? m.withLabel(p.getInt("label")) : m);
                                }
                                output.emit(Batch.builder(to - from)
                                        .meta(meta)
                                        .column("audio", BufferTensor.ofFloats(audio, to - from, width))
                                        .column("length", BufferTensor.ofLongs(length, to - from))
                                        .build());
                            }
                        }
                    };
                });
    }

    private static List<Path> files(Parameters p) {
        if (p.has("folder") == p.has("file")) {
            throw new GenpipeException("wav-source reads a folder: of .wav files or one file:; give exactly one of them"
                    + (p.has("folder") ? " (both are set)" : ""));
        }
        if (p.has("file")) {
            Path f = p.getPath("file");
            if (!Files.isRegularFile(f)) {
                throw new GenpipeException("file: " + f + " does not exist or is not a file");
            }
            return List.of(f);
        }
        Path dir = p.getPath("folder");
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(f ->
                            f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav")
                                    && Files.isRegularFile(f))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new GenpipeException("folder: " + dir + " cannot be listed (" + e.getMessage() + ")");
        }
        if (files.isEmpty()) {
            throw new GenpipeException("folder: " + dir + " holds no .wav files");
        }
        return files;
    }
}
