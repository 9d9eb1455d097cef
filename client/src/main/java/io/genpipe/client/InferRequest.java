package io.genpipe.client;

import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One inference request: the model, its input tensors (the first dimension is the rows), request parameters
 * ({@code seed}, {@code rows}, a component's own such as {@code method}) and, optionally, which outputs to
 * answer. The tensors are read when the request is sent, never closed by it.
 *
 * <pre>{@code
 * InferRequest r = InferRequest.to("gan").seed(7).rows(4).labels(0, 1, 2, 3).build();
 * }</pre>
 */
public final class InferRequest {

    private final String model;
    private final String id;
    private final Map<String, Object> parameters;
    private final Map<String, Tensor> inputs;
    private final List<String> outputs;

    private InferRequest(Builder b) {
        this.model = b.model;
        this.id = b.id;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(b.parameters));
        this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(b.inputs));
        this.outputs = List.copyOf(b.outputs);
    }

    /** A request to {@code model}. */
    public static Builder to(String model) {
        return new Builder(model);
    }

    public String model() {
        return model;
    }

    /** The request's id (echoed in the answer), or null. */
    public String id() {
        return id;
    }

    public Map<String, Object> parameters() {
        return parameters;
    }

    public Map<String, Tensor> inputs() {
        return inputs;
    }

    /** The outputs asked for; empty: all. */
    public List<String> outputs() {
        return outputs;
    }

    /** Builds a request. */
    public static final class Builder {

        private final String model;
        private String id;
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private final Map<String, Tensor> inputs = new LinkedHashMap<>();
        private final List<String> outputs = new ArrayList<>();

        private Builder(String model) {
            if (model == null || model.isEmpty()) {
                throw new IllegalArgumentException("a request needs a model name");
            }
            this.model = model;
        }

        public Builder id(String requestId) {
            this.id = requestId;
            return this;
        }

        /** A request parameter: a number, true/false or text. */
        public Builder parameter(String name, Object value) {
            if (!(value instanceof Number || value instanceof Boolean || value instanceof String)) {
                throw new IllegalArgumentException(
                        "parameter " + name + " must be a number, true/false or text; found " + value);
            }
            parameters.put(name, value);
            return this;
        }

        /** The seed every row's draws come from (with its index). */
        public Builder seed(long seed) {
            return parameter("seed", seed);
        }

        /** How many rows a generator makes when no input gives them. */
        public Builder rows(int rows) {
            return parameter("rows", rows);
        }

        /** An input tensor, its first dimension the rows. */
        public Builder input(String name, Tensor tensor) {
            inputs.put(name, tensor);
            return this;
        }

        /** Each row's class label (the INT64 input named label). */
        public Builder labels(int... labels) {
            long[] l = new long[labels.length];
            for (int i = 0; i < l.length; i++) {
                l[i] = labels[i];
            }
            inputs.put("label", BufferTensor.ofLongs(l, l.length));
            return this;
        }

        /** A batch's columns as inputs, and its rows' labels when every row has one. */
        public Builder batch(Batch batch) {
            for (String c : batch.columnNames()) {
                inputs.put(c, batch.column(c));
            }
            if (batch.rows() > 0 && batch.meta().stream().allMatch(m -> m.label() != null)) {
                labels(batch.meta().stream().mapToInt(RowMeta::label).toArray());
            }
            return this;
        }

        /** Answer only these outputs (by default: all). */
        public Builder outputs(String... names) {
            outputs.addAll(List.of(names));
            return this;
        }

        public InferRequest build() {
            return new InferRequest(this);
        }
    }
}
