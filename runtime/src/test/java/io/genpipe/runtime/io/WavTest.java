package io.genpipe.runtime.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genpipe.api.GenpipeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavTest {

    @TempDir
    Path dir;

    /** A WAV of the given format code, channels, rate and bits whose data chunk holds {@code data}. */
    static byte[] wav(int format, int channels, int rate, int bits, byte[] data) {
        int block = channels * bits / 8;
        ByteBuffer b = ByteBuffer.allocate(44 + data.length + 10).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(UTF_8)).putInt(36 + data.length + 10).put("WAVE".getBytes(UTF_8));
        b.put("LIST".getBytes(UTF_8)).putInt(2).putShort((short) 0); // a chunk readers must skip
        b.put("fmt ".getBytes(UTF_8))
                .putInt(16)
                .putShort((short) format)
                .putShort((short) channels)
                .putInt(rate)
                .putInt(rate * block)
                .putShort((short) block)
                .putShort((short) bits);
        b.put("data".getBytes(UTF_8)).putInt(data.length).put(data);
        return b.array();
    }

    @Test
    void sixteenBitPcmRoundTripsToTheSameBytes() throws Exception {
        float[] x = {0, 0.5f, -0.5f, 1, -1, 0.25f};
        Path f = dir.resolve("a.wav");
        Wav.write(f, x, 0, x.length, 8000);
        double[] back = Wav.read(f);
        float[] again = new float[back.length];
        for (int i = 0; i < back.length; i++) {
            again[i] = (float) back[i];
        }
        assertArrayEquals(Files.readAllBytes(f), Wav.pcm16(again, 0, again.length, 8000));
        assertEquals(new Wav.Header(1, 1, 8000, 16, 6, 44), Wav.header(f));
        assertEquals(16384 / 32767.0, back[1], 1e-12); // 0.5 * 32767 = 16383.5 rounds up
    }

    @Test
    void readsEightAndTwentyFourBitPcmAndFloatAndMixesChannelsDown() throws Exception {
        Path eight = dir.resolve("8.wav");
        Files.write(eight, wav(1, 1, 8000, 8, new byte[] {(byte) 128, (byte) 255, 1}));
        assertArrayEquals(new double[] {0, 1, -1}, Wav.read(eight), 1e-12);

        // stereo 24-bit: left = 2^22, right = -2^22 + 2 -> their mean is 1 (of 2^23 - 1)
        ByteBuffer d = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        d.put((byte) 0).put((byte) 0).put((byte) 0x40);
        int right = -(1 << 22) + 2;
        d.put((byte) right).put((byte) (right >> 8)).put((byte) (right >> 16));
        Path stereo = dir.resolve("24.wav");
        Files.write(stereo, wav(1, 2, 8000, 24, d.array()));
        assertArrayEquals(new double[] {1.0 / ((1 << 23) - 1)}, Wav.read(stereo), 1e-15);

        ByteBuffer f = ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(0.75f)
                .putFloat(-0.125f);
        Path flt = dir.resolve("f.wav");
        Files.write(flt, wav(3, 1, 16000, 32, f.array()));
        assertArrayEquals(new double[] {0.75, -0.125}, Wav.read(flt), 1e-12);
        assertEquals(16000, Wav.header(flt).sampleRate());
    }

    @Test
    void badFilesAreRefusedNamingTheFileAndWhatIsWrong() throws Exception {
        Path text = dir.resolve("notes.wav");
        Files.writeString(text, "these are not samples");
        assertEquals(
                text + " is not a WAV file (it does not start with a RIFF/WAVE header)",
                assertThrows(GenpipeException.class, () -> Wav.read(text)).getMessage());

        byte[] whole = wav(1, 1, 8000, 16, new byte[200]);
        Path cut = dir.resolve("cut.wav");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 100));
        assertEquals(
                cut + " is cut short: its data chunk says 200 bytes, the file holds 100",
                assertThrows(GenpipeException.class, () -> Wav.header(cut)).getMessage());

        Path adpcm = dir.resolve("adpcm.wav");
        Files.write(adpcm, wav(2, 1, 8000, 4, new byte[8]));
        assertEquals(
                adpcm
                        + " is encoded with WAV format code 2; genpipe reads integer PCM of 8, 16, 24 or 32 bits and 32- or"
                        + " 64-bit float",
                assertThrows(GenpipeException.class, () -> Wav.header(adpcm)).getMessage());
    }

    @Test
    void resamplingKeepsATonesFrequencyAndTheLengthInProportion() {
        double[] x = new double[16000];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.5 * Math.sin(2 * Math.PI * 440 * i / 16000.0);
        }
        double[] y = Wav.resample(x, 16000, 8000);
        assertEquals(8000, y.length);
        int crossings = 0;
        for (int i = 101; i < y.length - 100; i++) {
            if ((y[i - 1] < 0) != (y[i] < 0)) {
                crossings++;
            }
        }
        // 440 Hz: 880 zero crossings a second; 7,800 samples in the middle are 0.975 s
        assertEquals(880 * 0.975, crossings, 3);
        for (int i = 100; i < y.length - 100; i++) {
            assertEquals(0.5 * Math.sin(2 * Math.PI * 440 * i / 8000.0), y[i], 0.01, "sample " + i);
        }
    }
}
