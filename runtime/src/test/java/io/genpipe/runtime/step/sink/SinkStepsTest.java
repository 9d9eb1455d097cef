package io.genpipe.runtime.step.sink;

import static io.genpipe.runtime.step.StepHarness.rows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.audio.Spectrogram;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.io.Wav;
import io.genpipe.runtime.step.FinalStep;
import io.genpipe.runtime.step.StepHarness;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every sink step: what it writes into the output folder, byte for byte where that is fixed. */
class SinkStepsTest {

    static final List<String> COVERS = List.of(
            "image-grid",
            "png-sink",
            "idx-sink",
            "csv-sink",
            "jsonl-sink",
            "text-sink",
            "histogram",
            "report",
            "wav-sink",
            "spectrogram");

    @TempDir
    Path dir;

    /** n 2x3 images, pixel (y, x) of image i = (i + y * 3 + x) / 10, labels i % 3, scores i / 2. */
    private static Batch images(int n) {
        float[] px = new float[n * 6];
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 6; k++) {
                px[i * 6 + k] = (i + k) / 10f;
            }
            meta.add(new RowMeta("img-" + i, i % 3, "t", i / 2.0, Map.of("text", "text " + i)));
        }
        return Batch.builder(n)
                .column("image", BufferTensor.ofFloats(px, n, 1, 2, 3))
                .meta(meta)
                .build();
    }

    @Test
    void imageGridDrawsTheFirstImages() throws Exception {
        StepHarness.of(
                        ImageGridSink.definition(),
                        Map.of("file", "grid.png", "columns", 2, "scale", 1, "limit", 3),
                        dir)
                .run(List.of(images(2), images(2)))
                .close();
        BufferedImage grid = ImageIO.read(dir.resolve("grid.png").toFile());
        // 2 columns of 3x2 cells with 2-pixel borders; the limit keeps 3 images: the first batch's two, then the
        // second batch's first on a row of its own
        assertEquals(2 * (3 + 2) + 2, grid.getWidth());
        assertEquals(2 * (2 + 2) + 2, grid.getHeight());
        int[][] cells = {{0, 0, 0}, {1, 0, 1}, {0, 1, 0}}; // column, row, image index within its batch
        for (int[] cell : cells) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 3; x++) {
                    int expected = Math.round((cell[2] + y * 3 + x) / 10f * 255);
                    assertEquals(
                            expected,
                            grid.getRaster().getSample(2 + cell[0] * 5 + x, 2 + cell[1] * 4 + y, 0),
                            "pixel (" + x + ", " + y + ") of cell " + cell[0] + "," + cell[1]);
                }
            }
        }
        // the empty cell and the borders are the border gray
        assertEquals(96, grid.getRaster().getSample(2 + 5 + 1, 2 + 4 + 1, 0));
        assertEquals(96, grid.getRaster().getSample(0, 0, 0));
    }

    @Test
    void pngSinkWritesOnePngPerRowNamedAfterItsId() throws Exception {
        StepHarness.of(PngSink.definition(), Map.of("folder", "pngs"), dir)
                .run(List.of(images(2)))
                .close();
        BufferedImage one = ImageIO.read(dir.resolve("pngs/img-1.png").toFile());
        assertEquals(3, one.getWidth());
        assertEquals(2, one.getHeight());
        assertEquals(Math.round(0.6f * 255), one.getRaster().getSample(2, 1, 0)); // (1 + 5) / 10
    }

    @Test
    void idxSinkWritesImagesAndLabelsAsIdx() throws Exception {
        StepHarness.of(IdxSink.definition(), Map.of(), dir)
                .run(List.of(images(2), images(1)))
                .close();
        IdxFile back = IdxFile.read(dir.resolve("images-idx3-ubyte.gz"));
        assertArrayEquals(new long[] {3, 2, 3}, back.dims());
        assertArrayEquals(
                new int[] {0, 1, 0},
                IdxFile.read(dir.resolve("labels-idx1-ubyte.gz")).toLabels());
    }

    @Test
    void csvJsonlAndTextSinksWriteEveryRow() throws Exception {
        Batch withScore = rows("a", 0, 2, 2, new double[] {0.5, 1.5});
        StepHarness.of(CsvSink.definition(), Map.of("file", "rows.csv"), dir)
                .run(List.of(withScore))
                .close();
        assertEquals(
                List.of("id,label,source,score", "a-0,0,a,0.5", "a-1,1,a,1.5"),
                Files.readAllLines(dir.resolve("rows.csv")));
        StepHarness.of(JsonlSink.definition(), Map.of("file", "rows.jsonl"), dir)
                .run(List.of(images(1)))
                .close();
        assertEquals(
                List.of("{\"id\":\"img-0\",\"label\":0,\"source\":\"t\",\"score\":0.0,\"text\":\"text 0\"}"),
                Files.readAllLines(dir.resolve("rows.jsonl")));
        StepHarness.of(TextSink.definition(), Map.of("file", "texts.txt"), dir)
                .run(List.of(images(2)))
                .close();
        assertEquals(List.of("text 0", "text 1"), Files.readAllLines(dir.resolve("texts.txt")));
    }

    @Test
    void histogramBarsAreAsHighAsTheirBinsCounts() throws Exception {
        // 4 bins over [0, 3]: 1 score in the first, 2 in the second, 3, then 4
        double[] scores = {0, 1, 1, 2, 2, 2, 3, 3, 3, 3};
        StepHarness.of(HistogramSink.definition(), Map.of("file", "h.png", "bins", 4), dir)
                .run(List.of(StepHarness.rows("s", 0, scores.length, 0, scores)))
                .close();
        BufferedImage png = ImageIO.read(dir.resolve("h.png").toFile());
        // the bars are the pixels of the one series' colour: one run of columns, cut into 4 equal bars
        int bar = new Color(0xFF, 0x55, 0x55).getRGB();
        int first = -1;
        int last = -1;
        for (int x = 0; x < png.getWidth(); x++) {
            if (barHeight(png, x, bar) > 0) {
                first = first < 0 ? x : first;
                last = x;
            }
        }
        assertTrue(first > 0 && last > first, "no bars drawn");
        double width = (last - first + 1) / 4.0;
        int[] heights = new int[4];
        for (int b = 0; b < 4; b++) {
            heights[b] = barHeight(png, (int) Math.round(first + (b + 0.5) * width), bar);
        }
        for (int b = 0; b < 4; b++) {
            assertEquals(heights[3] * (b + 1) / 4.0, heights[b], 2.0, "bar " + b + " of " + Arrays.toString(heights));
        }
    }

    /** Pixels of colour {@code rgb} in column {@code x}. */
    private static int barHeight(BufferedImage png, int x, int rgb) {
        int n = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            n += png.getRGB(x, y) == rgb ? 1 : 0;
        }
        return n;
    }

    @Test
    void reportListsMetricsRowsAndImages() throws Exception {
        StepHarness h = StepHarness.of(ReportSink.definition(), Map.of("title", "A <test>"), dir);
        h.run().close();
        StepHarness.of(ImageGridSink.definition(), Map.of("file", "grid.png"), dir)
                .run(List.of(images(2)))
                .close();
        Map<String, Object> metrics = new TreeMap<>();
        metrics.put("flagged", 3);
        metrics.put("fidelity", 0.9166666666666666);
        metrics.put("perClass", Map.of("0", 2, "1", 1));
        metrics.put("thresholds", Map.of("0", 3.479399846192294, "1", 1.25));
        metrics.put("confusion", Map.of("0", Map.of("0", 3, "1", 1), "1", Map.of("1", 4)));
        ((FinalStep) h.step())
                .finish(new FinalStep.RunSummary(
                        dir,
                        "p",
                        metrics,
                        List.of(
                                Map.of("id", "test", "use", "idx-source", "rows", 10L, "seconds", 0.5),
                                Map.of(
                                        "id",
                                        "grid",
                                        "use",
                                        "image-grid",
                                        "inputs",
                                        List.of("test"),
                                        "rows",
                                        0L,
                                        "seconds",
                                        0.25))));
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<title>A &lt;test&gt;</title>"), html);
        assertTrue(html.contains("<tr><th>flagged</th><td class=\"n\">3</td></tr>"), html);
        assertTrue(html.contains("<tr><th>fidelity</th><td class=\"n\">0.9167</td></tr>"), "rounded: " + html);
        // per-class values side by side, one row per class
        assertTrue(html.contains("<tr><th>class</th><th>perClass</th><th>thresholds</th></tr>"), html);
        assertTrue(html.contains("<tr><th>0</th><td class=\"n\">2</td><td class=\"n\">3.479</td></tr>"), html);
        // the confusion matrix as a grid: the diagonal shaded by its share of the row
        assertTrue(html.contains("<table class=\"grid\"><tr><th></th><th>0</th><th>1</th></tr>"), html);
        assertTrue(
                html.contains("<tr><th>1</th><td style=\"background:rgb(255,255,255)\"></td>"
                        + "<td style=\"background:rgb(100,100,255)\">4</td></tr>"),
                html);
        // rows in (its inputs') and out per step; a sink's rows in are the rows it wrote
        assertTrue(
                html.contains("<tr><td>test</td><td>idx-source</td><td class=\"n\"></td><td class=\"n\">10</td>"
                        + "<td class=\"n\" data-step=\"test\"></td></tr>"),
                html);
        assertTrue(
                html.contains("<tr><td>grid</td><td>image-grid</td><td class=\"n\">10</td><td class=\"n\">0</td>"
                        + "<td class=\"n\" data-step=\"grid\"></td></tr>"),
                html);
        // every output linked
        assertTrue(html.contains("<li><a href=\"grid.png\">grid.png</a>"), html);
        assertTrue(html.contains("<img src=\"grid.png\""), html);
        assertTrue(!html.contains("0.25") && !html.contains(">0.5<"), "timings stay out of the page's bytes");
        assertEquals(
                "window.genpipeTimings = {\n  \"test\": 0.5,\n  \"grid\": 0.25\n};\n",
                Files.readString(dir.resolve("timings.js")));
    }

    /** Two audio rows of width 8000: a 1 kHz tone (length 8000) and a 2 kHz tone (length 4000, then padding). */
    static Batch tones() {
        float[] audio = new float[2 * 8000];
        for (int t = 0; t < 8000; t++) {
            audio[t] = (float) (0.5 * Math.sin(2 * Math.PI * 1000 * t / 8000.0 + 0.3));
            audio[8000 + t] = t < 4000 ? (float) (0.25 * Math.sin(2 * Math.PI * 2000 * t / 8000.0 + 0.3)) : 0.9f;
        }
        return Batch.builder(2)
                .meta(List.of(RowMeta.of("one kHz"), RowMeta.of("two.wav")))
                .column("audio", BufferTensor.ofFloats(audio, 2, 8000))
                .column("length", BufferTensor.ofLongs(new long[] {8000, 4000}, 2))
                .build();
    }

    @Test
    void wavSinkWritesEachRowsValidSamplesAs16BitPcm() throws Exception {
        Batch in = tones();
        float[] audio = in.column("audio").toFloatArray();
        StepHarness.of(WavSink.definition(), Map.of("folder", "wavs"), dir)
                .run(List.of(in))
                .close();
        assertArrayEquals(Wav.pcm16(audio, 0, 8000, 8000), Files.readAllBytes(dir.resolve("wavs/one_kHz.wav")));
        assertArrayEquals(Wav.pcm16(audio, 8000, 4000, 8000), Files.readAllBytes(dir.resolve("wavs/two.wav")));
    }

    @Test
    void spectrogramDrawsOnePanelPerRowWithTheTonesWhereTheyBelong() throws Exception {
        double[][] db = Spectrogram.decibels(tones().column("audio").toFloatArray(), 0, 8000, 256, 64);
        assertEquals(1 + (8000 - 256 + 63) / 64, db.length);
        int peak = 0;
        for (int k = 0; k < db[10].length; k++) {
            peak = db[10][k] > db[10][peak] ? k : peak;
        }
        assertEquals(32, peak, "1 kHz at 8 kHz with a 256-sample window is bin 32");
        StepHarness.of(SpectrogramSink.definition(), Map.of("file", "spec.png"), dir)
                .run(List.of(tones()))
                .close();
        BufferedImage img = ImageIO.read(dir.resolve("spec.png").toFile());
        assertEquals(34 + 2 * (129 + 44) + 8, img.getHeight());
        // the 1 kHz line is bright, a row far from it dark, in the first panel
        int y0 = 34 + 14;
        int x = 52 + 40;
        int line = y0 + 128 - 1 - (int) Math.round(1000 / 4000.0 * 128);
        assertTrue(brightness(img.getRGB(x, line)) > 600, "the tone's row");
        assertTrue(brightness(img.getRGB(x, y0 + 10)) < 200, "a row far from the tone");
    }

    private static int brightness(int rgb) {
        return ((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF);
    }
}
