package io.genpipe.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public data API: what an embedding application turns its data into. */
class DatasetsTest {

    @TempDir
    Path dir;

    private static final Path DATA =
            Path.of(System.getProperty("genpipe.repo.root", "..")).resolve("data/fashion-mnist");

    @Test
    void idxGivesImagesInZeroToOneWithLabels() {
        try (Batch b =
                Datasets.idx(DATA.resolve("t10k-images-idx3-ubyte.gz"), DATA.resolve("t10k-labels-idx1-ubyte.gz"), 3)) {
            assertEquals("float32[3,1,28,28]", b.column("image").typeString());
            assertEquals("t10k-images-idx3-ubyte.gz:2", b.meta(2).id());
            // the test split starts with an ankle boot, a pullover and a trouser
            assertEquals(List.of(9, 2, 1), b.meta().stream().map(m -> m.label()).toList());
            float[] px = b.column("image").toFloatArray();
            byte[] raw = new byte[784];
            IdxFile.read(DATA.resolve("t10k-images-idx3-ubyte.gz")).bytes().get(raw);
            for (int i = 0; i < 784; i++) {
                assertEquals((raw[i] & 0xff) / 255f, px[i], 1e-7f);
            }
        }
        GenpipeException tooMany = assertThrows(
                GenpipeException.class, () -> Datasets.idx(DATA.resolve("t10k-images-idx3-ubyte.gz"), null, 10_001));
        assertEquals(
                DATA.resolve("t10k-images-idx3-ubyte.gz") + " holds 10000 images; cannot take 10001",
                tooMany.getMessage());
    }

    @Test
    void pngFolderReadsGrayInNameOrder() throws Exception {
        for (int v : new int[] {255, 0}) {
            BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setSample(0, 0, 0, v);
            ImageIO.write(img, "png", dir.resolve(v == 0 ? "a.png" : "b.png").toFile());
        }
        try (Batch b = Datasets.pngFolder(dir)) {
            assertEquals(
                    List.of("a.png", "b.png"),
                    b.meta().stream().map(m -> m.id()).toList());
            assertArrayEquals(new float[] {0, 0, 1, 0}, b.column("image").toFloatArray());
        }
    }

    @Test
    void jsonlKeepsTheTextLabelAndOtherFieldsAndNamesTheBadLine() throws Exception {
        Path file = dir.resolve("notes.jsonl");
        Files.writeString(file, "{\"text\": \"hello\", \"class\": 3, \"lang\": \"en\"}\n\n{\"txt\": \"oops\"}\n");
        GenpipeException e = assertThrows(GenpipeException.class, () -> Datasets.jsonl(file, "text", "class"));
        assertEquals(file + ":3: no text in field 'text' (fields: [txt])", e.getMessage());
        Files.writeString(file, "{\"text\": \"hello\", \"class\": 3, \"lang\": \"en\"}\n");
        try (Batch b = Datasets.jsonl(file, "text", "class")) {
            assertEquals(1, b.rows());
            assertEquals(3, b.meta(0).label());
            assertEquals(Map.of("text", "hello", "lang", "en"), b.meta(0).tags());
        }
    }
}
