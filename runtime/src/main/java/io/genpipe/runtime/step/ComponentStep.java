package io.genpipe.runtime.step;

import io.genpipe.api.Component;
import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Role;
import io.genpipe.api.Sampler;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Dim;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.text.TextGenerator;
import io.genpipe.runtime.component.PluginFailures;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

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
    private final String origin;
    private final List<PortSpec> declaredOutputs;

    /**
     * @param batchSize rows per call of the component: 0 takes batches as they come, unless the
     *     component's first input has a fixed leading dimension (a model exported for a fixed
     *     batch), which then sets it; the last batch of a stream may be shorter
     * @param origin names the component in errors, e.g. {@code scorer 'vae-anomaly-scorer' (plugin 'vae' 0.1.0)}
     * @throws GenpipeException when the component's ports are missing (null)
     */
    public ComponentStep(String id, Role role, Component component, long rows, int batchSize, String origin) {
        this.id = id;
        this.role = role;
        this.component = component;
        this.rows = rows;
        this.origin = origin;
        List<PortSpec> ins = callPorts(component, true, origin);
        this.declaredOutputs = callPorts(component, false, origin);
        int fixed = 0;
        if (!ins.isEmpty()) {
            Dim first = ins.get(0).shape().isEmpty() ? null : ins.get(0).shape().get(0);
            if (first != null && first.isFixed()) {
                fixed = (int) first.size();
            }
        }
        if (batchSize > 0 && fixed > 0 && batchSize != fixed) {
            throw new GenpipeException("batchSize " + batchSize + " does not fit the component, whose input '"
                    + ins.get(0).name() + "' takes batches of exactly " + fixed);
        }
        this.batchSize = batchSize > 0 ? batchSize : fixed;
    }

    /** A component step named in errors by the component's class. */
    public ComponentStep(String id, Role role, Component component, long rows, int batchSize) {
        this(
                id,
                role,
                component,
                rows,
                batchSize,
                role.label() + " " + component.getClass().getName());
    }

    @Override
    public List<PortSpec> outputs(List<StepInput> inputs) {
        if (inputs.isEmpty()) {
            if (role != Role.SAMPLER) {
                throw new GenpipeException("a " + role.label() + " needs an input step (inputs: [step-id])");
            }
            if (rows <= 0) {
                throw new GenpipeException("a sampler with no input needs rows: N (how many draws to make)");
            }
            return declaredOutputs;
        }
        StepInput in = inputs.get(0);
        for (PortSpec needed : callPorts(component, true, origin)) {
            Columns.require(needed, in);
        }
        List<PortSpec> added = role == Role.SCORER ? List.of(PortSpec.of(id, DType.FLOAT64, "batch")) : declaredOutputs;
        return Columns.merge(in.columns(), added);
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
                Batch request = Batch.builder(n).meta(meta).build();
                output.emit(checked(
                        draws(call(() -> ((Sampler) component).sample(request, context.random())), n), context));
                emitted += n;
            }
            return;
        }
        BatchInput in = batchSize > 0 ? new Rebatcher(inputs.get(0), batchSize) : inputs.get(0);
        for (Batch batch = in.next(); batch != null; batch = in.next()) {
            Batch result;
            try {
                result = apply(batch, context);
            } catch (RuntimeException e) {
                batch.close();
                throw e;
            }
            output.emit(checked(result, context));
        }
    }

    private Batch apply(Batch batch, StepContext context) {
        return switch (role) {
            case SCORER -> {
                double[] scores = call(() -> ((Scorer) component).score(batch));
                if (scores == null || scores.length != batch.rows()) {
                    throw new GenpipeException(
                            origin + " returned " + (scores == null ? "no scores" : scores.length + " scores") + " for "
                                    + batch.rows() + " rows; a scorer returns one number per row");
                }
                List<RowMeta> meta = new ArrayList<>(batch.rows());
                for (int i = 0; i < batch.rows(); i++) {
                    meta.add(batch.meta(i).withScore(scores[i]));
                }
                yield batch.extend()
                        .replace(id, BufferTensor.ofDoubles(scores, scores.length))
                        .meta(meta)
                        .build();
            }
            case ENCODER -> merge(batch, call(() -> ((Encoder) component).encode(batch)));
            // every component gets the step's own source and forks it per row id (the role
            // contracts), so no row's draws depend on its neighbours or on the batch size
            case GENERATOR ->
                component instanceof TextGenerator text
                        ? merge(batch, call(() -> text.generate(batch, context.random(), context.tokens(batch.meta()))))
                        : merge(batch, call(() -> ((Generator) component).generate(batch, context.random())));
            case SAMPLER -> merge(batch, call(() -> ((Sampler) component).sample(batch, context.random())));
        };
    }

    /** The component's ports, or a clear error when a plugin returns none. */
    private static List<PortSpec> callPorts(Component component, boolean inputs, String origin) {
        List<PortSpec> ports;
        try {
            ports = inputs ? component.inputs() : component.outputs();
        } catch (RuntimeException | LinkageError e) {
            throw new GenpipeException(
                    origin + ": its " + (inputs ? "inputs()" : "outputs()") + " failed: "
                            + PluginFailures.describe(e, component.getClass().getClassLoader()),
                    e);
        }
        if (ports == null || ports.stream().anyMatch(Objects::isNull)) {
            throw new GenpipeException(origin + ": its " + (inputs ? "inputs()" : "outputs()") + " returned "
                    + (ports == null ? "null" : "a null port")
                    + "; a component declares its ports as a list (List.of() for none)");
        }
        return ports;
    }

    /**
     * Runs plugin code with the plugin's class loader as the thread's context loader (so it never
     * sees the host's), and turns what it throws into an error naming the component.
     */
    private <T> T call(Supplier<T> body) {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(component.getClass().getClassLoader());
        try {
            return body.get();
        } catch (GenpipeException e) {
            throw new GenpipeException(origin + ": " + e.getMessage(), e);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            throw new GenpipeException(
                    origin + " failed: "
                            + PluginFailures.describe(e, component.getClass().getClassLoader()),
                    e);
        } catch (OutOfMemoryError e) {
            throw new GenpipeException(
                    origin + " ran out of memory (" + e.getMessage() + "); give the JVM more with"
                            + " GENPIPE_JAVA_OPTS=-Xmx... or lower the batch size",
                    e);
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    /**
     * The component's output checked against what it declared, and for non-finite numbers: a port
     * that lies, or a NaN / infinity, fails the step naming the port or the column and row (or,
     * with {@code nonFinite: warn}, is reported once and passed on).
     */
    private Batch checked(Batch out, StepContext context) {
        try {
            if (role != Role.SCORER) {
                requireDeclaredOutputs(origin, declaredOutputs, out);
            }
            for (String name : role == Role.SCORER
                    ? List.of(id)
                    : declaredOutputs.stream().map(PortSpec::name).toList()) {
                String problem = nonFinite(out, name);
                if (problem != null) {
                    if (context.failOnNonFinite()) {
                        throw new GenpipeException(
                                problem + "; set nonFinite: warn at the top of the file to pass such" + " values on");
                    }
                    if (!warned) {
                        warned = true;
                        context.warn("step '" + id + "': " + problem + " (passed on: nonFinite is warn)");
                    }
                }
            }
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    private boolean warned;

    /**
     * Fails naming the component ({@code origin}) when {@code out} lacks a column of {@code declared}
     * or has one that does not match its port.
     */
    public static void requireDeclaredOutputs(String origin, List<PortSpec> declared, Batch out) {
        for (PortSpec port : declared) {
            if (!out.hasColumn(port.name())) {
                throw new GenpipeException(origin + " declared output port '" + port.name() + "' but its result has no"
                        + " such column (it has " + out.columnNames() + ")");
            }
            port.mismatch(out.column(port.name())).ifPresent(m -> {
                throw new GenpipeException(origin + " returned a column that does not match its declared ports: " + m);
            });
        }
    }

    /** The first NaN or infinite value of a float column, as "column 'x' of row 'id' is NaN", or null. */
    private static String nonFinite(Batch b, String column) {
        Tensor t = b.column(column);
        if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64) {
            return null;
        }
        long rowSize = t.rows() == 0 ? 1 : Math.max(1, t.size() / t.rows());
        if (t.dtype() == DType.FLOAT32) {
            // a Java column is scanned in place; a native one is read once
            FloatBuffer v =
                    t instanceof BufferTensor buffer ? buffer.floatBuffer() : FloatBuffer.wrap(t.toFloatArray());
            for (int i = 0; i < v.limit(); i++) {
                if (!Float.isFinite(v.get(i))) {
                    return "column '" + column + "' of row '"
                            + b.meta((int) (i / rowSize)).id() + "' is " + v.get(i);
                }
            }
        } else {
            double[] v = t.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) {
                    return "column '" + column + "' of row '"
                            + b.meta((int) (i / rowSize)).id() + "' is " + v[i];
                }
            }
        }
        return null;
    }

    /**
     * The input batch with the component's columns added; both batches are spent. The produced
     * rows' metadata (labels a generator chose, tags of generated text) replaces the input's when it
     * describes the same rows, as the role contracts ask.
     */
    /** What a sampler without input returned for {@code n} draws: a batch of {@code n} rows. */
    private Batch draws(Batch produced, int n) {
        if (produced == null || produced.rows() != n) {
            if (produced != null) {
                produced.close();
            }
            throw new GenpipeException(
                    origin + " returned " + (produced == null ? "no batch" : produced.rows() + " rows") + " for " + n
                            + " draws; a sampler returns one row per draw");
        }
        return produced;
    }

    private Batch merge(Batch input, Batch produced) {
        if (produced == null || produced.rows() != input.rows()) {
            if (produced != null) {
                produced.close();
            }
            throw new GenpipeException(
                    origin + " returned " + (produced == null ? "no batch" : produced.rows() + " rows") + " for "
                            + input.rows() + " input rows; a " + role.label() + " returns one row per input row");
        }
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
