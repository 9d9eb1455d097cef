package io.genpipe.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {

    @TempDir
    Path dir;

    private static byte[] idx(int type, int[] dims, byte[] body) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeShort(0);
        out.writeByte(type);
        out.writeByte(dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(body);
        return bytes.toByteArray();
    }

    @Test
    void readsGzippedImagesAndLabels() throws Exception {
        byte[] pixels = new byte[2 * 2 * 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 20);
        }
        Path images = dir.resolve("images.idx.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(images))) {
            out.write(idx(0x08, new int[] {2, 2, 3}, pixels));
        }
        Files.write(dir.resolve("labels.idx"), idx(0x08, new int[] {2}, new byte[] {7, (byte) 200}));
        IdxFile file = IdxFile.read(images);
        assertArrayEquals(new long[] {2, 2, 3}, file.dims());
        try (BufferTensor t = file.toImages()) {
            assertEquals("float32[2,1,2,3]", t.typeString());
            assertEquals(220 / 255f, t.toFloatArray()[11], 1e-7f);
        }
        try (BufferTensor second = file.toImages(1, 2)) {
            assertEquals(120 / 255f, second.toFloatArray()[0], 1e-7f);
        }
        assertArrayEquals(
                new int[] {7, 200}, IdxFile.read(dir.resolve("labels.idx")).toLabels());
    }

    @Test
    void bigEndianIntsBecomeNativeOrder() throws Exception {
        Files.write(
                dir.resolve("ints.idx"),
                idx(0x0C, new int[] {2}, new byte[] {0, 0, 1, 2, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFE}));
        try (BufferTensor t = IdxFile.read(dir.resolve("ints.idx")).toTensor()) {
            assertEquals(DType.INT32, t.dtype());
            assertArrayEquals(new int[] {258, -2}, t.toIntArray());
        }
    }

    @Test
    void theBundledTestSplit() {
        Path data = Path.of(System.getProperty("genpipe.repo.root", "..")).resolve("data/fashion-mnist");
        IdxFile images = IdxFile.read(data.resolve("t10k-images-idx3-ubyte.gz"));
        int[] labels = IdxFile.read(data.resolve("t10k-labels-idx1-ubyte.gz")).toLabels();
        assertArrayEquals(new long[] {10000, 28, 28}, images.dims());
        assertEquals(10000, labels.length);
        int[] perClass = new int[10];
        for (int l : labels) {
            perClass[l]++;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, perClass);
        assertEquals(9, labels[0]);
    }

    @Test
    void errorsNameTheFileAndWhatIsWrong() throws Exception {
        Files.writeString(dir.resolve("text.idx"), "hello world");
        GenpipeException notIdx = assertThrows(GenpipeException.class, () -> IdxFile.read(dir.resolve("text.idx")));
        assertEquals(
                "IDX file " + dir.resolve("text.idx") + " is not an IDX file: it starts with 0x68656c6c; IDX starts"
                        + " with two zero bytes, a type code and the number of dimensions",
                notIdx.getMessage());
        Files.write(dir.resolve("short.idx"), idx(0x08, new int[] {10, 28, 28}, new byte[12]));
        GenpipeException truncated = assertThrows(GenpipeException.class, () -> IdxFile.read(dir.resolve("short.idx")));
        assertEquals(
                "IDX file " + dir.resolve("short.idx") + " is truncated: its header says [10, 28, 28] uint8 (7840"
                        + " bytes of data) but 12 bytes follow",
                truncated.getMessage());
        // a header claiming terabytes is refused before anything is allocated
        Files.write(dir.resolve("huge.idx"), idx(0x08, new int[] {-1, -1, 28}, new byte[12]));
        GenpipeException huge = assertThrows(GenpipeException.class, () -> IdxFile.read(dir.resolve("huge.idx")));
        assertEquals(
                "IDX file " + dir.resolve("huge.idx") + " says it holds [4294967295, 4294967295, 28] uint8 (more than"
                        + " 2 GiB); genpipe reads IDX files up to 2 GiB",
                huge.getMessage());
        GenpipeException missing = assertThrows(GenpipeException.class, () -> IdxFile.read(dir.resolve("none.idx")));
        assertEquals("IDX file " + dir.resolve("none.idx") + " does not exist", missing.getMessage());
    }
}
