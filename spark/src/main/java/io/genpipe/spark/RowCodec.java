package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rows of a batch as bytes and back, losslessly: the metadata first (so a global step's decision reads
 * it without touching the tensors), then each column's name, dtype, per-row shape and raw bytes.
 * Layout: {@code int metaLength, meta, int columns, (name, dtype, rank, dims..., int length, bytes)*}.
 */
public final class RowCodec {

    private RowCodec() {}

    /** Each row of {@code batch} (left open, still the caller's) encoded on its own. */
    public static List<byte[]> encode(Batch batch) {
        List<String> names = new ArrayList<>(batch.columnNames());
        int n = batch.rows();
        List<byte[]> all = new ArrayList<>(names.size());
        List<long[]> shapes = new ArrayList<>(names.size());
        List<DType> types = new ArrayList<>(names.size());
        for (String name : names) {
            Tensor t = batch.column(name);
            all.add(t.toByteArray());
            shapes.add(t.shape());
            types.add(t.dtype());
        }
        List<byte[]> rows = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                byte[] meta = encodeMeta(batch.meta(r));
                out.writeInt(meta.length);
                out.write(meta);
                out.writeInt(names.size());
                for (int c = 0; c < names.size(); c++) {
                    long[] shape = shapes.get(c);
                    writeString(out, names.get(c));
                    writeString(out, types.get(c).name());
                    out.writeInt(shape.length - 1);
                    long elements = 1;
                    for (int d = 1; d < shape.length; d++) {
                        out.writeLong(shape[d]);
                        elements *= shape[d];
                    }
                    int rowBytes = Math.toIntExact(elements * types.get(c).byteSize());
                    out.writeInt(rowBytes);
                    out.write(all.get(c), r * rowBytes, rowBytes);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            rows.add(bytes.toByteArray());
        }
        return rows;
    }

    /** Rows encoded by {@link #encode} as one batch of Java tensors (owned by the caller). */
    public static Batch decode(List<byte[]> rows) {
        int n = rows.size();
        List<RowMeta> meta = new ArrayList<>(n);
        List<String> names = null;
        List<DType> types = null;
        List<long[]> shapes = null;
        List<ByteBuffer> buffers = null;
        List<BufferTensor> tensors = null;
        try {
            for (int r = 0; r < n; r++) {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(rows.get(r)));
                byte[] m = new byte[in.readInt()];
                in.readFully(m);
                meta.add(decodeMeta(m));
                int columns = in.readInt();
                if (names == null) {
                    names = new ArrayList<>(columns);
                    types = new ArrayList<>(columns);
                    shapes = new ArrayList<>(columns);
                    buffers = new ArrayList<>(columns);
                    tensors = new ArrayList<>(columns);
                }
                for (int c = 0; c < columns; c++) {
                    String name = readString(in);
                    DType type = DType.valueOf(readString(in));
                    long[] shape = new long[in.readInt() + 1];
                    for (int d = 1; d < shape.length; d++) {
                        shape[d] = in.readLong();
                    }
                    byte[] data = new byte[in.readInt()];
                    in.readFully(data);
                    if (r == 0) {
                        names.add(name);
                        types.add(type);
                        shape[0] = n;
                        shapes.add(shape);
                        BufferTensor t = BufferTensor.allocate(type, shape);
                        tensors.add(t);
                        buffers.add(t.buffer());
                    } else {
                        long[] first = shapes.get(c);
                        shape[0] = n;
                        if (c >= names.size()
                                || !names.get(c).equals(name)
                                || types.get(c) != type
                                || !Arrays.equals(first, shape)) {
                            throw new GenpipeException("row " + meta.get(r).id() + " has column '" + name + "' "
                                    + type.label() + Arrays.toString(Arrays.copyOfRange(shape, 1, shape.length))
                                    + ", another row of the same step has "
                                    + (c < names.size()
                                            ? "'" + names.get(c) + "' "
                                                    + types.get(c).label()
                                                    + Arrays.toString(Arrays.copyOfRange(first, 1, first.length))
                                            : "fewer columns")
                                    + "; rows of one step must have the same columns and shapes");
                        }
                    }
                    buffers.get(c).put(data);
                }
            }
            Batch.Builder b = Batch.builder(n).meta(meta);
            if (names != null) {
                for (int c = 0; c < names.size(); c++) {
                    buffers.get(c).rewind();
                    b.column(names.get(c), tensors.get(c));
                }
            }
            return b.build();
        } catch (IOException e) {
            closeAll(tensors);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            closeAll(tensors);
            throw e;
        }
    }

    private static void closeAll(List<BufferTensor> tensors) {
        if (tensors != null) {
            tensors.forEach(BufferTensor::close);
        }
    }

    /** A row's metadata only, without decoding its tensors. */
    public static RowMeta meta(byte[] row) {
        ByteBuffer b = ByteBuffer.wrap(row);
        int length = b.getInt();
        return decodeMeta(Arrays.copyOfRange(row, 4, 4 + length));
    }

    /** The same row with other metadata. */
    public static byte[] withMeta(byte[] row, RowMeta meta) {
        int old = ByteBuffer.wrap(row).getInt();
        byte[] m = encodeMeta(meta);
        ByteBuffer out = ByteBuffer.allocate(4 + m.length + row.length - 4 - old);
        out.putInt(m.length).put(m).put(row, 4 + old, row.length - 4 - old);
        return out.array();
    }

    /** The same row with other metadata, already encoded ({@link #encodeMeta(RowMeta)}). */
    static byte[] withMetaBytes(byte[] row, byte[] m) {
        int old = ByteBuffer.wrap(row).getInt();
        ByteBuffer out = ByteBuffer.allocate(4 + m.length + row.length - 4 - old);
        out.putInt(m.length).put(m).put(row, 4 + old, row.length - 4 - old);
        return out.array();
    }

    /** The same row with only the columns in {@code keep} (in its own order). */
    public static byte[] project(byte[] row, Set<String> keep) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(row));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            byte[] m = new byte[in.readInt()];
            in.readFully(m);
            out.writeInt(m.length);
            out.write(m);
            int columns = in.readInt();
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            DataOutputStream k = new DataOutputStream(kept);
            int n = 0;
            for (int c = 0; c < columns; c++) {
                String name = readString(in);
                String type = readString(in);
                long[] dims = new long[in.readInt()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.readLong();
                }
                byte[] data = new byte[in.readInt()];
                in.readFully(data);
                if (keep.contains(name)) {
                    n++;
                    writeString(k, name);
                    writeString(k, type);
                    k.writeInt(dims.length);
                    for (long d : dims) {
                        k.writeLong(d);
                    }
                    k.writeInt(data.length);
                    k.write(data);
                }
            }
            k.flush();
            out.writeInt(n);
            out.write(kept.toByteArray());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A row of metadata and no columns, as a global step's decision reads it. */
    public static byte[] metaOnly(byte[] row) {
        int old = ByteBuffer.wrap(row).getInt();
        ByteBuffer out = ByteBuffer.allocate(4 + old + 4);
        out.put(row, 0, 4 + old).putInt(0);
        return out.array();
    }

    /** Length-prefixed UTF-8 (writeUTF stops at 64 KB; a row's text tag may be longer). */
    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static byte[] encodeMeta(RowMeta m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, m.id());
            out.writeBoolean(m.label() != null);
            if (m.label() != null) {
                out.writeInt(m.label());
            }
            out.writeBoolean(m.source() != null);
            if (m.source() != null) {
                writeString(out, m.source());
            }
            out.writeBoolean(m.score() != null);
            if (m.score() != null) {
                out.writeDouble(m.score());
            }
            out.writeInt(m.tags().size());
            for (Map.Entry<String, String> e : m.tags().entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static RowMeta decodeMeta(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            String id = readString(in);
            Integer label = in.readBoolean() ? in.readInt() : null;
            String source = in.readBoolean() ? readString(in) : null;
            Double score = in.readBoolean() ? in.readDouble() : null;
            int tags = in.readInt();
            Map<String, String> t = new LinkedHashMap<>();
            for (int i = 0; i < tags; i++) {
                t.put(readString(in), readString(in));
            }
            return new RowMeta(id, label, source, score, t);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
