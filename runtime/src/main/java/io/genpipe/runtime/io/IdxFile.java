package io.genpipe.runtime.io;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Tensor;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * An IDX file (the MNIST / Fashion-MNIST format), plain or gzipped: a big-endian header (two zero
 * bytes, a type code, the rank, one 32-bit size per dimension) and the data.
 *
 * <pre>{@code
 * IdxFile images = IdxFile.read(Path.of("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
 * try (BufferTensor x = images.toImages()) {   // float32[10000,1,28,28] in [0, 1]
 *     ...
 * }
 * int[] labels = IdxFile.read(Path.of("data/fashion-mnist/t10k-labels-idx1-ubyte.gz")).toLabels();
 * }</pre>
 */
public final class IdxFile {

    private final Path path;
    private final String location;
    private final DType dtype;
    private final long[] dims;
    private final byte[] data;

    private IdxFile(Path path, String location, DType dtype, long[] dims, byte[] data) {
        this.path = path;
        this.location = location;
        this.dtype = dtype;
        this.dims = dims;
        this.data = data;
    }

    /**
     * Reads the whole file.
     *
     * @throws GenpipeException naming the file when it is missing, not IDX, of an unsupported
     *     element type, or shorter than its header says
     */
    public static IdxFile read(Path path) {
        return read(path.toAbsolutePath().normalize().toString(), 0, -1);
    }

    /** What an IDX file's header says: its element type and dimensions. */
    public record Header(String location, DType dtype, long[] dims) {
        /** Number of items: the first dimension. */
        public long count() {
            return dims[0];
        }
    }

    /**
     * Reads the header of the file at {@code location} (a path or a URI a {@link Storage} reads).
     *
     * @throws GenpipeException naming the file when it is missing, not IDX, or of an unsupported element type
     */
    public static Header header(String location) {
        try (DataInputStream data = open(location)) {
            return header(location, data);
        } catch (IOException e) {
            throw new GenpipeException("IDX file " + location + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Reads items {@code [first, first + count)} of the file at {@code location} (all from {@code first} when
     * {@code count} is -1): an IDX file of those items.
     *
     * @throws GenpipeException naming the file when it is missing, not IDX, of an unsupported element type, or
     *     shorter than its header says
     */
    public static IdxFile read(String location, long first, long count) {
        try (DataInputStream data = open(location)) {
            Header h = header(location, data);
            long[] dims = h.dims();
            DType dtype = h.dtype();
            long item;
            long bytes;
            long skip;
            try {
                long[] one = dims.clone();
                one[0] = 1;
                item = Math.multiplyExact(Tensor.elementCount(one), dtype.byteSize());
                long items = count < 0 ? Math.max(0, dims[0] - first) : Math.min(count, Math.max(0, dims[0] - first));
                bytes = Math.multiplyExact(items, item);
                skip = Math.multiplyExact(first, item);
            } catch (ArithmeticException e) {
                bytes = Long.MAX_VALUE;
                item = 1;
                skip = 0;
            }
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new GenpipeException(
                        "IDX file " + location + " says it holds " + Arrays.toString(dims) + " " + dtype
                                + " (more than 2 GiB); genpipe reads IDX files up to 2 GiB at once (read it in shards)");
            }
            long skipped = data.skip(skip);
            while (skipped < skip && data.read() >= 0) {
                skipped++;
                skipped += data.skip(skip - skipped);
            }
            // read in chunks rather than allocating what the header claims: a lying header costs
            // only the bytes that are really there
            byte[] body = skipped < skip ? new byte[0] : data.readNBytes((int) bytes);
            if (skipped < skip || body.length < bytes) {
                throw new GenpipeException(
                        "IDX file " + location + " is truncated: its header says " + Arrays.toString(dims) + " " + dtype
                                + " (" + Math.addExact(skip, bytes) + " bytes of data) but " + (skipped + body.length)
                                + " bytes follow");
            }
            if (dtype.byteSize() > 1) {
                swapToNativeOrder(body, dtype.byteSize());
            }
            long[] own = dims.clone();
            own[0] = body.length / item;
            return new IdxFile(
                    Storages.scheme(location) == null ? Path.of(location) : null, location, dtype, own, body);
        } catch (IOException e) {
            throw new GenpipeException("IDX file " + location + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The file's data stream, gunzipped when it is gzipped. */
    /** The magic number of an IDX file of uint8 images [n, h, w]. */
    public static final int IMAGES = 0x00000803;

    /** The magic number of an IDX file of uint8 labels [n]. */
    public static final int LABELS = 0x00000801;

    /**
     * Writes a gzipped IDX file to {@code target} (closed at the end): the header (magic number, count, the other
     * dimensions, big-endian), then {@code body}'s bytes. The one writer of genpipe's IDX files, so that a file
     * merged from parts has the bytes of the file written whole.
     */
    public static void writeGzipped(OutputStream target, int magic, long count, long[] dims, Path body)
            throws IOException {
        if (count > Integer.MAX_VALUE) {
            throw new IOException("IDX counts rows in 32 bits; " + count + " rows do not fit one file");
        }
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(target))) {
            out.writeInt(magic);
            out.writeInt((int) count);
            for (long d : dims) {
                out.writeInt((int) d);
            }
            Files.copy(body, out);
        }
    }

    private static DataInputStream open(String location) throws IOException {
        Storage storage = Storages.of(location);
        if (!storage.isFile(location)) {
            throw new GenpipeException("IDX file " + location + " does not exist");
        }
        InputStream raw = new BufferedInputStream(storage.open(location));
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(new BufferedInputStream(in, 1 << 16));
    }

    private static Header header(String location, DataInputStream data) throws IOException {
        int zero = data.readUnsignedShort();
        int type = data.readUnsignedByte();
        int rank = data.readUnsignedByte();
        if (zero != 0 || rank == 0) {
            throw new GenpipeException("IDX file " + location + " is not an IDX file: it starts with 0x"
                    + String.format("%04x%02x%02x", zero, type, rank)
                    + "; IDX starts with two zero bytes, a type code and the number of dimensions");
        }
        DType dtype = dtypeOf(type, location);
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = Integer.toUnsignedLong(data.readInt());
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(Tensor.elementCount(dims), dtype.byteSize());
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new GenpipeException("IDX file " + location + " says it holds " + Arrays.toString(dims) + " " + dtype
                    + " (more than 2 GiB); genpipe reads IDX files up to 2 GiB");
        }
        return new Header(location, dtype, dims);
    }

    private static DType dtypeOf(int type, String file) {
        return switch (type) {
            case 0x08 -> DType.UINT8;
            case 0x09 -> DType.INT8;
            case 0x0C -> DType.INT32;
            case 0x0D -> DType.FLOAT32;
            case 0x0E -> DType.FLOAT64;
            default ->
                throw new GenpipeException("IDX file " + file + " has element type 0x" + Integer.toHexString(type)
                        + ", which genpipe does not read (supported: 0x08 uint8, 0x09 int8, 0x0c int32, 0x0d float32,"
                        + " 0x0e float64)");
        };
    }

    private static void swapToNativeOrder(byte[] body, int width) {
        if (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN) {
            return;
        }
        for (int i = 0; i < body.length; i += width) {
            for (int a = i, b = i + width - 1; a < b; a++, b--) {
                byte t = body[a];
                body[a] = body[b];
                body[b] = t;
            }
        }
    }

    /** The file's path; null when it was read from a URI. */
    public Path path() {
        return path;
    }

    /** Where the file was read from: its path or URI. */
    public String location() {
        return location;
    }

    public DType dtype() {
        return dtype;
    }

    /** Dimensions as the header gives them, e.g. {@code [10000, 28, 28]}. */
    public long[] dims() {
        return dims.clone();
    }

    /** Number of items: the first dimension. */
    public int count() {
        return (int) dims[0];
    }

    /** The raw contents as a tensor of the file's own dtype and dimensions (the caller closes it). */
    public BufferTensor toTensor() {
        BufferTensor t = BufferTensor.allocate(dtype, dims);
        t.buffer().put(data);
        return t;
    }

    /**
     * A {@code uint8} file of {@code [n, h, w]} images as {@code float32[n,1,h,w]} in [0, 1]
     * (pixel / 255), the layout genpipe's image models take. The caller closes it.
     */
    public BufferTensor toImages() {
        return toImages(0, count());
    }

    /** Images {@code [from, to)} as {@code float32[to-from,1,h,w]} in [0, 1]. */
    public BufferTensor toImages(int from, int to) {
        if (dtype != DType.UINT8 || dims.length != 3) {
            throw new GenpipeException("IDX file " + location + " holds " + dtype + Arrays.toString(dims)
                    + ", not uint8 images [n, height, width]");
        }
        if (from < 0 || to > count() || from > to) {
            throw new IllegalArgumentException("image range [" + from + ", " + to + ") outside [0, " + count() + ")");
        }
        int pixels = (int) (dims[1] * dims[2]);
        BufferTensor t = BufferTensor.allocate(DType.FLOAT32, to - from, 1, dims[1], dims[2]);
        FloatBuffer out = t.floatBuffer();
        int offset = from * pixels;
        for (int i = 0; i < (to - from) * pixels; i++) {
            out.put(i, (data[offset + i] & 0xFF) / 255f);
        }
        return t;
    }

    /** A one-dimensional {@code uint8} file (labels) as ints. */
    public int[] toLabels() {
        if (dtype != DType.UINT8 || dims.length != 1) {
            throw new GenpipeException(
                    "IDX file " + location + " holds " + dtype + Arrays.toString(dims) + ", not uint8 labels [n]");
        }
        int[] labels = new int[data.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = data[i] & 0xFF;
        }
        return labels;
    }

    /** The raw bytes of items {@code [from, to)} (uint8 files), for writers and tests. */
    public ByteBuffer bytes() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer();
    }
}
