package io.genpipe.runtime.step.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.text.TextRows;
import io.genpipe.runtime.io.Wav;
import io.genpipe.runtime.step.StepHarness;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every source step, run directly: rows, ids, labels, columns, batching. */
class SourceStepsTest {

    static final List<String> COVERS =
            List.of("idx-source", "png-source", "csv-source", "jsonl-source", "text-source", "wav-source");

    private static final Path DATA = Path.of(System.getProperty("genpipe.repo.root", "../"), "data/fashion-mnist")
            .toAbsolutePath()
            .normalize();

    @TempDir
    Path dir;

    @Test
    void idxSourceReadsImagesAndLabelsInBatches() throws Exception {
        try (StepHarness.Result r = StepHarness.of(
                        IdxSource.definition(),
                        Map.of(
                                "images",
                                DATA.resolve("t10k-images-idx3-ubyte.gz").toString(),
                                "labels",
                                DATA.resolve("t10k-labels-idx1-ubyte.gz").toString(),
                                "limit",
                                5),
                        dir)
                .batchSize(2)
                .run()) {
            assertEquals(
                    List.of(2, 2, 1), r.outputs().stream().map(b -> b.rows()).toList());
            // the first test images are an ankle boot, a pullover, a trouser, a trouser, a shirt
            assertEquals(
                    List.of(9, 2, 1, 1, 6),
                    r.rows().stream().map(RowMeta::label).toList());
            assertEquals(
                    "float32[2,1,28,28]", r.outputs().get(0).column("image").typeString());
            float[] pixels = r.floats("image");
            for (float p : pixels) {
                if (p < 0 || p > 1) {
                    throw new AssertionError("pixel outside [0, 1]: " + p);
                }
            }
        }
    }

    @Test
    void pngSourceReadsAFolderSortedByName() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("pngs"));
        for (int i = 0; i < 3; i++) {
            BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setSample(1, 2, 0, 51 * (i + 1));
            ImageIO.write(img, "png", folder.resolve("img-" + (2 - i) + ".png").toFile());
        }
        try (StepHarness.Result r = StepHarness.of(PngSource.definition(), Map.of("folder", "pngs", "label", 4), dir)
                .run()) {
            assertEquals(3, r.rows().size());
            assertEquals("float32[3,1,3,4]", r.outputs().get(0).column("image").typeString());
            float[] pixels = r.floats("image");
            // img-0 was written last, with the brightest pixel at (x 1, y 2)
            assertEquals(153 / 255f, pixels[2 * 4 + 1], 1e-6f);
            assertEquals(List.of(4, 4, 4), r.rows().stream().map(RowMeta::label).toList());
        }
    }

    @Test
    void csvAndJsonlSourcesPackNumbersAndKeepLabelsIdsAndTexts() throws Exception {
        Files.writeString(
                dir.resolve("rows.csv"), "name,a,b,cls,note\nfirst,1.5,2,3,\"hello, world\"\nsecond,-1,0.25,7,plain\n");
        try (StepHarness.Result r = StepHarness.of(
                        CsvSource.definition(),
                        Map.of(
                                "file",
                                "rows.csv",
                                "values",
                                List.of("a", "b"),
                                "label",
                                "cls",
                                "id",
                                "name",
                                "text",
                                "note"),
                        dir)
                .run()) {
            assertArrayEquals(new float[] {1.5f, 2, -1, 0.25f}, r.floats("x"));
            assertEquals(
                    List.of("first", "second"),
                    r.rows().stream().map(RowMeta::id).toList());
            assertEquals(List.of(3, 7), r.rows().stream().map(RowMeta::label).toList());
            assertEquals("hello, world", r.rows().get(0).tags().get(TextRows.TEXT));
        }
        Files.writeString(
                dir.resolve("rows.jsonl"),
                "{\"name\": \"x\", \"a\": 4, \"b\": 5, \"cls\": 1}\n\n{\"name\": \"y\", \"a\": 6, \"b\": 7, \"cls\": 2}\n");
        try (StepHarness.Result r = StepHarness.of(
                        JsonlSource.definition(),
                        Map.of("file", "rows.jsonl", "values", List.of("b", "a"), "label", "cls", "id", "name"),
                        dir)
                .run()) {
            assertArrayEquals(new float[] {5, 4, 7, 6}, r.floats("x"));
            assertEquals(List.of("x", "y"), r.rows().stream().map(RowMeta::id).toList());
        }
        Files.writeString(dir.resolve("bad.csv"), "a,b\n1,2\n3,oops\n");
        GenpipeException bad = assertThrows(
                GenpipeException.class,
                () -> StepHarness.of(
                                CsvSource.definition(), Map.of("file", "bad.csv", "values", List.of("a", "b")), dir)
                        .run());
        assertEquals(dir.resolve("bad.csv") + ":3: field 'b' is 'oops', not a number", bad.getMessage());
    }

    @Test
    void textSourceMakesOneRowPerNonEmptyLine() throws Exception {
        Files.writeString(dir.resolve("prompts.txt"), "A fortune\n\nAnother one\n");
        try (StepHarness.Result r = StepHarness.of(TextSource.definition(), Map.of("file", "prompts.txt"), dir)
                .run()) {
            assertEquals(
                    List.of("A fortune", "Another one"),
                    r.rows().stream().map(m -> m.tags().get(TextRows.TEXT)).toList());
            assertEquals(
                    List.of("s-0", "s-1"), r.rows().stream().map(RowMeta::id).toList());
        }
    }

    @Test
    void wavSourceReadsAFolderIntoZeroPaddedRowsWithTheirLengths() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("wavs"));
        Wav.write(folder.resolve("b.wav"), new float[] {0.5f, -0.5f, 0.25f}, 0, 3, 8000);
        Wav.write(folder.resolve("a.wav"), new float[] {0.125f}, 0, 1, 8000);
        Files.writeString(folder.resolve("readme.txt"), "not audio, not a .wav: skipped");
        try (StepHarness.Result r = StepHarness.of(WavSource.definition(), Map.of("folder", "wavs", "label", 2), dir)
                .run()) {
            assertEquals(
                    List.of("a.wav", "b.wav"),
                    r.rows().stream().map(RowMeta::id).toList());
            assertEquals("float32[2,3]", r.outputs().get(0).column("audio").typeString());
            assertArrayEquals(
                    new float[] {4096 / 32767f, 0, 0, 16384 / 32767f, -16383 / 32767f, 8192 / 32767f},
                    r.floats("audio"),
                    1e-7f);
            assertArrayEquals(
                    new long[] {1, 3}, r.outputs().get(0).column("length").toLongArray());
            assertEquals(List.of(2, 2), r.rows().stream().map(RowMeta::label).toList());
        }
        try (StepHarness.Result r = StepHarness.of(
                        WavSource.definition(), Map.of("file", "wavs/b.wav", "samples", 2), dir)
                .run()) {
            assertEquals("float32[1,2]", r.outputs().get(0).column("audio").typeString());
            assertArrayEquals(
                    new long[] {2}, r.outputs().get(0).column("length").toLongArray());
        }
    }

    @Test
    void wavSourceRefusesAWrongSampleRateUnlessToldToResample() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("rates"));
        float[] tone = new float[2205];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) (0.5 * Math.sin(2 * Math.PI * 500 * i / 22050.0));
        }
        Wav.write(folder.resolve("cd.wav"), tone, 0, tone.length, 22050);
        GenpipeException e = Assertions.assertThrows(
                GenpipeException.class, () -> StepHarness.of(WavSource.definition(), Map.of("folder", "rates"), dir));
        assertEquals(
                dir.resolve("rates/cd.wav")
                        + " is sampled at 22050 Hz; wav-source reads 8000 Hz (sampleRate: 8000); set"
                        + " resample: true to convert it, or sampleRate: 22050",
                e.getMessage());
        try (StepHarness.Result r = StepHarness.of(
                        WavSource.definition(), Map.of("folder", "rates", "resample", true), dir)
                .run()) {
            assertEquals("float32[1,800]", r.outputs().get(0).column("audio").typeString());
        }
        Files.writeString(folder.resolve("fake.wav"), "<html>not audio</html>");
        e = Assertions.assertThrows(
                GenpipeException.class,
                () -> StepHarness.of(WavSource.definition(), Map.of("folder", "rates", "resample", true), dir));
        assertEquals(
                dir.resolve("rates/fake.wav") + " is not a WAV file (it does not start with a RIFF/WAVE header)",
                e.getMessage());
    }
}
