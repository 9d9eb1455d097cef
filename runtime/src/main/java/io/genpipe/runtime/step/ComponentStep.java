package io.genpipe.runtime.step;

import io.genpipe.api.Component;
import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Role;
import io.genpipe.api.Sampler;
import io.genpipe.api.Scorer;
import io.genpipe.api.text.TextGenerator;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.text.TextGenerator;
import java.util.ArrayList;
import java.util.List;

/**
 * A plugin component as a pipeline step. Rows flow through: the step's output batch carries the
 * input's columns plus the component's outputs (a Scorer adds a float64 column named after the
 * step and sets each row's score). A Sampler with no input is a source of {@code rows} draws.
 */
public final class ComponentStep implements Step {

    private final String id;
    private final Role role;
    private final Component component;
    private final long rows;
    private final int batchSize;

    /**
     * @param batchSize rows per call of the component: 0 takes batches as they come, unless the
     *     component's first input has a fixed leading dimension (a model exported for a fixed
     *     batch), which then sets it; the last batch of a stream may be shorter
     */
    public ComponentStep(String id, Role role, Component component, long rows, int batchSize) {
        this.id = id;
        this.role = role;
        this.component = component;
        this.rows = rows;
        int fixed = 0;
        if (!component.inputs().isEmpty()) {
            io.genpipe.api.data.Dim first = component.inputs().get(0).shape().isEmpty() ? null
                    : component.inputs().get(0).shape().get(0);
            if (first != null && first.isFixed()) {
                fixed = (int) first.size();
            }
        }
        if (batchSize > 0 && fixed > 0 && batchSize != fixed) {
            throw new io.genpipe.api.GenpipeException("batchSize " + batchSize + " does not fit the component, whose input '"
                    + component.inputs().get(0).name() + "' takes batches of exactly " + fixed);
        }
        this.batchSize = batchSize > 0 ? batchSize : fixed;
    }

    @Override
    public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
        if (inputs.isEmpty()) {
            if (role != Role.SAMPLER) {
                throw new GenpipeException("a " + role.label() + " needs an input step (inputs: [step-id])");
            }
            if (rows <= 0) {
                throw new GenpipeException("a sampler with no input needs rows: N (how many draws to make)");
            }
            return component.outputs();
        }
        List<PortSpec> in = inputs.get(0);
        for (PortSpec needed : component.inputs()) {
            Columns.require(needed, in, "input");
        }
        List<PortSpec> added = role == Role.SCORER ? List.of(PortSpec.of(id, DType.FLOAT64, "batch")) : component.outputs();
        return Columns.merge(in, added);
    }

    @Override
    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
        if (inputs.isEmpty()) {
            long emitted = 0;
            while (emitted < rows) {
                int n = (int) Math.min(context.batchSize(), rows - emitted);
                List<RowMeta> meta = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    meta.add(RowMeta.of(id + "-" + (emitted + i)).withSource(id));
                }
                output.emit(((Sampler) component).sample(Batch.builder(n).meta(meta).build(), context.random()));
                emitted += n;
            }
            return;
        }
        BatchInput in = batchSize > 0 ? new Rebatcher(inputs.get(0), batchSize) : inputs.get(0);
        for (Batch batch = in.next(); batch != null; batch = in.next()) {
            try {
                output.emit(apply(batch, context));
            } catch (RuntimeException e) {
                batch.close();
                throw e;
            }
        }
    }

    private Batch apply(Batch batch, StepContext context) {
        switch (role) {
            case SCORER: {
                double[] scores = ((Scorer) component).score(batch);
                List<RowMeta> meta = new ArrayList<>(batch.rows());
                for (int i = 0; i < batch.rows(); i++) {
                    meta.add(batch.meta(i).withScore(scores[i]));
                }
                return batch.extend().replace(id, BufferTensor.ofDoubles(scores, scores.length)).meta(meta).build();
            }
            case ENCODER:
                return merge(batch, ((Encoder) component).encode(batch));
            case GENERATOR:
                // every component gets the step's own source and forks it per row id (the role
                // contracts), so no row's draws depend on its neighbours or on the batch size
                if (component instanceof TextGenerator) {
                    return merge(batch, ((TextGenerator) component).generate(batch, context.random(), context.tokens(batch.meta())));
                }
                return merge(batch, ((Generator) component).generate(batch, context.random()));
            case SAMPLER:
                return merge(batch, ((Sampler) component).sample(batch, context.random()));
            default:
                throw new IllegalStateException(role.toString());
        }
    }

    /**
     * The input batch with the component's columns added; both batches are spent. The produced
     * rows' metadata (labels a generator chose, tags of generated text) replaces the input's when it
     * describes the same rows, as the role contracts ask.
     */
    private static Batch merge(Batch input, Batch produced) {
        Batch.Builder out = input.extend();
        if (produced.rows() == input.rows() && sameIds(input.meta(), produced.meta())) {
            out.meta(produced.meta());
        }
        for (String name : produced.columnNames()) {
            out.replace(name, produced.column(name));
        }
        produced.extend(); // the columns now belong to the output batch
        return out.build();
    }

    private static boolean sameIds(List<RowMeta> a, List<RowMeta> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).id().equals(b.get(i).id())) {
                return false;
            }
        }
        return true;
    }
}
