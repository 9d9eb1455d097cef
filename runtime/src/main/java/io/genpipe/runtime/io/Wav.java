package io.genpipe.runtime.io;

import io.genpipe.api.GenpipeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * RIFF/WAVE files: reads integer PCM (8, 16, 24, 32 bit) and IEEE float (32, 64 bit), plain or
 * WAVE_FORMAT_EXTENSIBLE, any channel count (mixed down to mono by the mean); writes 16-bit mono PCM.
 * Samples are doubles in [-1, 1]: integer PCM of b bits is divided by 2^(b-1) - 1 (so 16-bit
 * s becomes s / 32767, and {@link #write} of s / 32767 gives back s). The header is read first, so a
 * file that is not a WAV, is cut short or is too long is refused before its samples are decoded.
 */
public final class Wav {

    /** The most frames read from one file: 10 minutes at 48 kHz. */
    public static final long MAX_FRAMES = 48_000L * 600;

    private static final int PCM = 1;
    private static final int FLOAT = 3;
    private static final int EXTENSIBLE = 0xFFFE;

    private Wav() {}

    /**
     * What a WAV file's header says.
     *
     * @param frames samples per channel
     * @param dataOffset where the samples start in the file
     */
    public record Header(int format, int channels, int sampleRate, int bitsPerSample, long frames, long dataOffset) {
        /** The duration in seconds. */
        public double seconds() {
            return frames / (double) sampleRate;
        }
    }

    /** Reads and checks the header of {@code file}. */
    public static Header header(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(file, ch);
        } catch (IOException e) {
            throw new GenpipeException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static Header header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer head = read(ch, 0, 12);
        if (head.remaining() < 12
                || head.getInt(0) != 0x46464952
                || head.getInt(8) != 0x45564157) { // "RIFF" .... "WAVE"
            throw new GenpipeException(file + " is not a WAV file (it does not start with a RIFF/WAVE header)");
        }
        long at = 12;
        int format = -1;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        int blockAlign = 0;
        while (at + 8 <= size) {
            ByteBuffer chunk = read(ch, at, 8);
            int id = chunk.getInt(0);
            long length = Integer.toUnsignedLong(chunk.getInt(4));
            long body = at + 8;
            if (id == 0x20746d66) { // "fmt "
                if (length < 16 || body + length > size) {
                    throw new GenpipeException(file + ": its fmt chunk is " + length
                            + " bytes; a WAV's is at least 16 and inside the file");
                }
                ByteBuffer fmt = read(ch, body, (int) Math.min(length, 40));
                format = fmt.getShort(0) & 0xFFFF;
                channels = fmt.getShort(2) & 0xFFFF;
                rate = fmt.getInt(4);
                blockAlign = fmt.getShort(12) & 0xFFFF;
                bits = fmt.getShort(14) & 0xFFFF;
                if (format == EXTENSIBLE) {
                    if (length < 40) {
                        throw new GenpipeException(file + ": its extensible fmt chunk is " + length + " bytes, not 40");
                    }
                    format = fmt.getShort(24) & 0xFFFF; // the sub-format GUID starts with the format code
                }
            } else if (id == 0x61746164) { // "data"
                if (format < 0) {
                    throw new GenpipeException(
                            file + ": its data chunk comes before any fmt chunk; it is not a valid WAV file");
                }
                check(file, format, channels, rate, bits, blockAlign);
                long available = Math.min(length, size - body);
                if (available < length && length != 0xFFFFFFFFL) {
                    throw new GenpipeException(file + " is cut short: its data chunk says " + length
                            + " bytes, the file holds " + available);
                }
                long frames = available / blockAlign;
                if (frames > MAX_FRAMES) {
                    throw new GenpipeException(
                            file + " holds " + frames + " frames (" + Math.round(frames / (double) rate)
                                    + " s); genpipe reads WAV files up to " + MAX_FRAMES + " frames");
                }
                return new Header(format, channels, rate, bits, frames, body);
            }
            at = body + length + (length & 1);
        }
        throw new GenpipeException(
                file + " has no " + (format < 0 ? "fmt chunk" : "data chunk") + "; it is not a complete WAV file");
    }

    private static void check(Path file, int format, int channels, int rate, int bits, int blockAlign) {
        boolean ok = (format == PCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32))
                || (format == FLOAT && (bits == 32 || bits == 64));
        if (!ok) {
            throw new GenpipeException(file + " is "
                    + (format == PCM
                            ? bits + "-bit integer PCM"
                            : format == FLOAT ? bits + "-bit float" : "encoded with WAV format code " + format)
                    + "; genpipe reads integer PCM of 8, 16, 24 or 32 bits"
                    + " and 32- or 64-bit float");
        }
        if (channels < 1 || channels > 64 || rate < 1 || rate > 768_000 || blockAlign != channels * bits / 8) {
            throw new GenpipeException(file + " has an inconsistent fmt chunk (channels " + channels + ", sample rate "
                    + rate + ", " + bits + " bits, block align " + blockAlign + ")");
        }
    }

    /** The samples of {@code file}, mono (channels averaged), in [-1, 1]. */
    public static double[] read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(file, ch);
            int bytes = h.bitsPerSample() / 8;
            int frameBytes = bytes * h.channels();
            double[] out = new double[(int) h.frames()];
            ByteBuffer buf = ByteBuffer.allocate(frameBytes * 4096).order(ByteOrder.LITTLE_ENDIAN);
            long pos = h.dataOffset();
            int frame = 0;
            double scale = h.format() == FLOAT ? 1 : (1L << (h.bitsPerSample() - 1)) - 1;
            while (frame < out.length) {
                buf.clear();
                buf.limit(Math.min(buf.capacity(), (out.length - frame) * frameBytes));
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, pos + buf.position());
                    if (n < 0) {
                        throw new GenpipeException(file + " ended while its samples were read");
                    }
                }
                pos += buf.limit();
                buf.flip();
                while (buf.hasRemaining()) {
                    double sum = 0;
                    for (int c = 0; c < h.channels(); c++) {
                        sum += sample(buf, h.format(), h.bitsPerSample()) / scale;
                    }
                    double v = sum / h.channels();
                    if (!Double.isFinite(v)) {
                        throw new GenpipeException(
                                file + ": sample " + frame + " is " + v + "; a float WAV must hold finite samples");
                    }
                    out[frame++] = v;
                }
            }
            return out;
        } catch (IOException e) {
            throw new GenpipeException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static double sample(ByteBuffer b, int format, int bits) {
        if (format == FLOAT) {
            return bits == 32 ? b.getFloat() : b.getDouble();
        }
        switch (bits) {
            case 8 -> {
                return (b.get() & 0xFF) - 128;
            }
            case 16 -> {
                return b.getShort();
            }
            case 24 -> {
                int v = (b.get() & 0xFF) | (b.get() & 0xFF) << 8 | b.get() << 16;
                return v;
            }
            default -> {
                return b.getInt();
            }
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
            // keep reading
        }
        b.flip();
        return b;
    }

    /** The bytes of a 16-bit mono PCM WAV file of {@code samples} (clipped to [-1, 1], times 32767, rounded). */
    public static byte[] pcm16(float[] samples, int from, int count, int sampleRate) {
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * count).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x46464952).putInt(36 + 2 * count).putInt(0x45564157);
        b.putInt(0x20746d66)
                .putInt(16)
                .putShort((short) PCM)
                .putShort((short) 1)
                .putInt(sampleRate)
                .putInt(2 * sampleRate)
                .putShort((short) 2)
                .putShort((short) 16);
        b.putInt(0x61746164).putInt(2 * count);
        for (int i = 0; i < count; i++) {
            double v = Math.max(-1, Math.min(1, samples[from + i]));
            b.putShort((short) Math.round(v * 32767));
        }
        return b.array();
    }

    /** Writes {@link #pcm16} to {@code file}. */
    public static void write(Path file, float[] samples, int from, int count, int sampleRate) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(pcm16(samples, from, count, sampleRate));
        }
    }

    /**
     * {@code x} resampled from {@code from} Hz to {@code to} Hz by windowed-sinc interpolation
     * (a Hann-windowed sinc 16 input periods a side, its cut-off at the lower of the two Nyquist
     * frequencies, so downsampling does not alias). Output length: ceil(n * to / from).
     */
    public static double[] resample(double[] x, int from, int to) {
        if (from == to) {
            return x.clone();
        }
        int n = (int) Math.ceil(x.length * (double) to / from);
        double[] y = new double[n];
        double cutoff = Math.min(1.0, (double) to / from); // relative to the input's Nyquist frequency
        int half = 16;
        double reach = half / cutoff;
        for (int i = 0; i < n; i++) {
            double t = i * (double) from / to;
            int lo = (int) Math.ceil(t - reach);
            int hi = (int) Math.floor(t + reach);
            double sum = 0;
            for (int k = Math.max(0, lo); k <= Math.min(x.length - 1, hi); k++) {
                double d = (t - k) * cutoff;
                double w = 0.5 + 0.5 * Math.cos(Math.PI * d / half);
                double sinc = d == 0 ? 1 : Math.sin(Math.PI * d) / (Math.PI * d);
                sum += x[k] * cutoff * sinc * w;
            }
            y[i] = sum;
        }
        return y;
    }
}
