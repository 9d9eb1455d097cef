package io.genpipe.client;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An inference answer: its output tensors (owned here: {@link #close()} releases them) and BYTES outputs
 * (PNG images when the request asked for {@code format: png}), with the answer's parameters.
 */
public final class InferResponse implements AutoCloseable {

    static final String LABEL = "label";

    private final String model;
    private final String id;
    private final Map<String, Object> parameters;
    private final Map<String, BufferTensor> tensors;
    private final Map<String, List<byte[]>> bytes;

    InferResponse(
            String model,
            String id,
            Map<String, Object> parameters,
            Map<String, BufferTensor> tensors,
            Map<String, List<byte[]>> bytes) {
        this.model = model;
        this.id = id;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.bytes = Collections.unmodifiableMap(new LinkedHashMap<>(bytes));
    }

    public String model() {
        return model;
    }

    /** The request's id, or null. */
    public String id() {
        return id;
    }

    /** The answer's parameters (genpipe serve gives the seed). */
    public Map<String, Object> parameters() {
        return parameters;
    }

    /** The names of the tensor outputs, in the answer's order. */
    public Set<String> tensorNames() {
        return tensors.keySet();
    }

    /**
     * One tensor output.
     *
     * @throws IllegalArgumentException naming the outputs there are
     */
    public BufferTensor tensor(String name) {
        BufferTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the answer has no tensor output '" + name + "'; it has "
                    + tensors.keySet() + (bytes.isEmpty() ? "" : " and BYTES outputs " + bytes.keySet()));
        }
        return t;
    }

    /** A BYTES output (e.g. PNG files), one element per row. */
    public List<byte[]> bytes(String name) {
        List<byte[]> b = bytes.get(name);
        if (b == null) {
            throw new IllegalArgumentException(
                    "the answer has no BYTES output '" + name + "'; it has " + bytes.keySet());
        }
        return b;
    }

    /**
     * The answer as a batch the caller owns: every tensor output but the labels as a column (copied), each
     * row's label (when the answer has them) in its meta, row ids {@code row-0, row-1, ...}.
     */
    public Batch batch() {
        BufferTensor labels = tensors.get(LABEL);
        int rows = -1;
        for (BufferTensor t : tensors.values()) {
            rows = Math.max(rows, (int) t.shape()[0]);
        }
        rows = Math.max(rows, 0);
        List<RowMeta> meta = new ArrayList<>(rows);
        long[] l = labels == null ? null : labels.toLongArray();
        for (int i = 0; i < rows; i++) {
            RowMeta m = RowMeta.of("row-" + i);
            meta.add(l == null ? m : m.withLabel((int) l[i]));
        }
        Batch.Builder b = Batch.builder(rows).meta(meta);
        tensors.forEach((name, t) -> {
            if (!name.equals(LABEL)) {
                b.column(name, t.copyToJava());
            }
        });
        return b.build();
    }

    @Override
    public void close() {
        tensors.values().forEach(BufferTensor::close);
    }
}
