package io.genpipe.runtime.step;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches a global step must hold until its input ends (a quantile needs every score before the
 * first row can be tagged), with their columns written to a file beside the run's outputs and only
 * their row metadata kept in memory: what such a step holds no longer grows with the images, and
 * the operating system's page cache, not the process, keeps what it can of the file. Batches come
 * back in the order they went in, with the same columns, bytes and shapes. The file is removed on
 * {@link #close()} (and with the rest of an unfinished run's partial folder if the process dies).
 */
public final class BatchSpool implements AutoCloseable {

    private record Column(String name, DType dtype, long[] shape, long offset, int bytes) {}

    private record Entry(int rows, List<RowMeta> meta, List<Column> columns) {}

    private final Path file;
    private final FileChannel channel;
    private final List<Entry> entries = new ArrayList<>();
    private long end;

    private BatchSpool(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** A new, empty spool in {@code folder} (a hidden temporary file). */
    public static BatchSpool in(Path folder) {
        try {
            Path file = Files.createTempFile(folder, ".spool-", ".bin");
            return new BatchSpool(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new GenpipeException("cannot create a spool file in " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code batch}'s columns out and keeps its metadata; the caller still owns (and closes) {@code batch}. */
    public void append(Batch batch) {
        List<Column> columns = new ArrayList<>();
        try {
            for (String name : batch.columnNames()) {
                Tensor t = batch.column(name);
                ByteBuffer bytes = t instanceof BufferTensor b ? b.buffer() : ByteBuffer.wrap(t.toByteArray());
                int length = bytes.remaining();
                long at = end;
                while (bytes.hasRemaining()) {
                    end += channel.write(bytes, end);
                }
                columns.add(new Column(name, t.dtype(), t.shape(), at, length));
            }
        } catch (IOException e) {
            throw new GenpipeException("cannot write to spool file " + file + ": " + e.getMessage(), e);
        }
        entries.add(new Entry(batch.rows(), batch.meta(), columns));
    }

    /** How many batches are held. */
    public int batches() {
        return entries.size();
    }

    /** The row metadata of batch {@code i}. */
    public List<RowMeta> meta(int i) {
        return entries.get(i).meta();
    }

    /**
     * Batch {@code i} read back, with {@code meta} as its row metadata; the caller owns it. The
     * spool lets go of the batch's own metadata: each batch is read once.
     */
    public Batch read(int i, List<RowMeta> meta) {
        Entry e = entries.get(i);
        if (e.meta() == null) {
            throw new IllegalStateException("batch " + i + " of the spool was read already");
        }
        entries.set(i, new Entry(e.rows(), null, e.columns()));
        Batch.Builder out = Batch.builder(e.rows()).meta(meta);
        List<BufferTensor> made = new ArrayList<>();
        try {
            for (Column c : e.columns()) {
                BufferTensor t = BufferTensor.allocate(c.dtype(), c.shape());
                made.add(t);
                ByteBuffer into = t.buffer();
                long at = c.offset();
                while (into.hasRemaining()) {
                    int n = channel.read(into, at);
                    if (n < 0) {
                        throw new IOException("spool file ended early");
                    }
                    at += n;
                }
                out.column(c.name(), t);
            }
            return out.build();
        } catch (IOException | RuntimeException ex) {
            made.forEach(BufferTensor::close);
            if (ex instanceof RuntimeException r) {
                throw r;
            }
            throw new GenpipeException("cannot read spool file " + file + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new GenpipeException("cannot remove spool file " + file + ": " + e.getMessage(), e);
        }
    }
}
