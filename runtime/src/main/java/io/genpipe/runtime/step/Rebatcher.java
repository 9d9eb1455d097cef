package io.genpipe.runtime.step;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Re-cuts a stream of batches into batches of exactly {@code size} rows (the last one may be
 * shorter): micro-batching to a component's own batch size, whatever the pipeline's.
 */
public final class Rebatcher implements BatchInput {

    private final BatchInput source;
    private final int size;
    private final List<Batch> pending = new ArrayList<>();
    private int pendingRows;
    private int offset; // rows of pending.get(0) already handed out
    private boolean ended;

    public Rebatcher(BatchInput source, int size) {
        this.source = source;
        this.size = size;
    }

    @Override
    public Batch next() throws InterruptedException {
        while (!ended && pendingRows - offset < size) {
            Batch b = source.next();
            if (b == null) {
                ended = true;
            } else {
                pending.add(b);
                pendingRows += b.rows();
            }
        }
        int n = Math.min(size, pendingRows - offset);
        if (n == 0) {
            return null;
        }
        if (offset == 0 && pending.get(0).rows() == n) {
            Batch whole = pending.remove(0);
            pendingRows -= n;
            return whole;
        }
        return take(n);
    }

    /** The next n rows across the pending batches, copied into one batch. */
    private Batch take(int n) {
        Batch first = pending.get(0);
        List<String> names = new ArrayList<>(first.columnNames());
        List<DType> types = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        List<ByteArrayOutputStream> data = new ArrayList<>();
        for (String name : names) {
            Tensor t = first.column(name);
            long[] shape = t.shape();
            shape[0] = n;
            types.add(t.dtype());
            shapes.add(shape);
            data.add(new ByteArrayOutputStream());
        }
        List<RowMeta> meta = new ArrayList<>(n);
        int need = n;
        while (need > 0) {
            Batch b = pending.get(0);
            int k = Math.min(need, b.rows() - offset);
            meta.addAll(b.meta().subList(offset, offset + k));
            for (int c = 0; c < names.size(); c++) {
                Tensor t = b.column(names.get(c));
                int rowBytes =
                        (int) (t.size() / Math.max(1, t.shape()[0]) * t.dtype().byteSize());
                data.get(c).write(t.toByteArray(), offset * rowBytes, k * rowBytes);
            }
            need -= k;
            offset += k;
            if (offset == b.rows()) {
                pending.remove(0).close();
                pendingRows -= b.rows();
                offset = 0;
            }
        }
        Batch.Builder out = Batch.builder(n).meta(meta);
        for (int c = 0; c < names.size(); c++) {
            BufferTensor t = BufferTensor.allocate(types.get(c), shapes.get(c));
            t.buffer().put(data.get(c).toByteArray());
            out.column(names.get(c), t);
        }
        return out.build();
    }
}
