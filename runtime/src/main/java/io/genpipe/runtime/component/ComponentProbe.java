package io.genpipe.runtime.component;

import io.genpipe.api.Component;
import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Sampler;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Dim;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.text.TextRows;
import io.genpipe.runtime.onnx.SessionSettings;
import io.genpipe.runtime.plugin.BoundedCall;
import io.genpipe.runtime.step.ComponentStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code genpipe doctor} does with every component: builds it with its defaults (which loads
 * its models), and where its input ports have fixed sizes, runs it on one row of zeros and checks
 * the result against its declared ports. A broken one is reported with the same message a pipeline
 * using it would get.
 */
public final class ComponentProbe {

    /** How a probe ended. */
    public enum Status {
        /** Built, and run on one row where its ports allow. */
        OK,
        /** Could not be built, or failed on the probe row. */
        BROKEN,
        /** Not built: it needs a parameter without a default. */
        SKIPPED
    }

    /**
     * How one component's probe ended.
     *
     * @param component the component's name
     * @param role its role's label
     * @param plugin the plugin, as {@code 'name' version}
     * @param status how the probe ended
     * @param detail what was done, or what failed
     */
    public record Result(String component, String role, String plugin, Status status, String detail) {}

    private ComponentProbe() {}

    /**
     * Probes every component of {@code registry}, in name order; a probe that has not ended after
     * {@code GENPIPE_CREATE_TIMEOUT_S} seconds (default 120) is reported broken and left behind.
     */
    public static List<Result> probeAll(ComponentRegistry registry, SessionSettings settings, long seed) {
        List<Result> results = new ArrayList<>();
        for (RegisteredFactory f : registry.all()) {
            results.add(bounded(registry, f, settings, seed));
        }
        return results;
    }

    private static Result bounded(
            ComponentRegistry registry, RegisteredFactory f, SessionSettings settings, long seed) {
        String role = f.factory().role().label();
        String plugin = "'" + f.plugin().name() + "' " + f.plugin().descriptor().version();
        BoundedCall.Outcome<Result> outcome;
        try {
            outcome = BoundedCall.run(
                    "genpipe-probe-" + f.name(),
                    Thread.currentThread().getContextClassLoader(),
                    ComponentRegistry.CREATE_LIMIT,
                    () -> probe(registry, f, settings, seed),
                    null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(f.name(), role, plugin, Status.BROKEN, "interrupted while probing");
        }
        if (outcome instanceof BoundedCall.Returned<Result> r) {
            return r.value();
        }
        if (outcome instanceof BoundedCall.Threw<Result> t) {
            return new Result(
                    f.name(),
                    role,
                    plugin,
                    Status.BROKEN,
                    role + " '" + f.name() + "' (plugin " + plugin + ") failed while probed: "
                            + PluginFailures.describe(t.error(), f.plugin().classLoader()));
        }
        return new Result(
                f.name(),
                role,
                plugin,
                Status.BROKEN,
                role + " '" + f.name() + "' (plugin " + plugin + ") did not finish its probe row within "
                        + ComponentRegistry.CREATE_TIMEOUT_S
                        + " s (is it stuck in a loop? GENPIPE_CREATE_TIMEOUT_S sets the limit)");
    }

    static Result probe(ComponentRegistry registry, RegisteredFactory f, SessionSettings settings, long seed) {
        String role = f.factory().role().label();
        String plugin = "'" + f.plugin().name() + "' " + f.plugin().descriptor().version();
        String who = role + " '" + f.name() + "' (plugin " + plugin + ")";
        List<ParameterSpec> parameters;
        try {
            parameters = f.factory().parameters();
        } catch (RuntimeException | LinkageError e) {
            return new Result(
                    f.name(),
                    role,
                    plugin,
                    Status.BROKEN,
                    who + ": parameters() failed: "
                            + PluginFailures.describe(e, f.plugin().classLoader()));
        }
        for (ParameterSpec spec : parameters == null ? List.<ParameterSpec>of() : parameters) {
            if (spec.required()) {
                return new Result(
                        f.name(),
                        role,
                        plugin,
                        Status.SKIPPED,
                        "not built: it needs parameter '" + spec.name() + "', which has no default");
            }
        }
        Component component;
        try {
            component = registry.create(
                    f.factory().role(), f.name(), Map.of(), Path.of("").toAbsolutePath(), settings, seed);
        } catch (GenpipeException e) {
            return new Result(f.name(), role, plugin, Status.BROKEN, e.getMessage());
        }
        try {
            List<PortSpec> inputs = component.inputs();
            Batch input = probeRow(inputs);
            if (input == null) {
                return new Result(
                        f.name(), role, plugin, Status.OK, "built; not run: an input port has no fixed size " + inputs);
            }
            try (input) {
                return new Result(f.name(), role, plugin, Status.OK, run(component, input, who));
            }
        } catch (GenpipeException e) {
            return new Result(f.name(), role, plugin, Status.BROKEN, e.getMessage());
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            return new Result(
                    f.name(),
                    role,
                    plugin,
                    Status.BROKEN,
                    who + " failed on a probe row: "
                            + PluginFailures.describe(e, f.plugin().classLoader()));
        } finally {
            try {
                component.close();
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                // the probe's verdict stands; close failures show in a real run's cleanup
            }
        }
    }

    /** One row (label 0, text "The probe") of zeros for ports of fixed sizes (float32, float64, int64, int32), or null when a port has none. */
    private static Batch probeRow(List<PortSpec> inputs) {
        // the metadata genpipe's sources give a row: a label, and a text for components that read texts
        Batch.Builder b = Batch.builder(1)
                .meta(List.of(new RowMeta("probe-0", 0, "doctor", null, Map.of(TextRows.TEXT, "The probe"))));
        List<BufferTensor> made = new ArrayList<>();
        for (PortSpec port : inputs) {
            long[] shape = new long[port.rank()];
            if (shape.length == 0) {
                made.forEach(BufferTensor::close);
                return null;
            }
            shape[0] = 1;
            for (int d = 1; d < shape.length; d++) {
                Dim dim = port.shape().get(d);
                if (!dim.isFixed()) {
                    made.forEach(BufferTensor::close);
                    return null;
                }
                shape[d] = dim.size();
            }
            DType t = port.dtype();
            if (t != DType.FLOAT32 && t != DType.FLOAT64 && t != DType.INT64 && t != DType.INT32) {
                made.forEach(BufferTensor::close);
                return null;
            }
            BufferTensor zeros = BufferTensor.allocate(t, shape);
            made.add(zeros);
            b.column(port.name(), zeros);
        }
        return b.build();
    }

    private static String run(Component component, Batch input, String who) {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(component.getClass().getClassLoader());
        try {
            RandomSource random = new RandomSource(0).fork("doctor");
            if (component instanceof Scorer scorer) {
                double[] s = scorer.score(input);
                if (s == null || s.length != 1) {
                    throw new GenpipeException(who + " returned " + (s == null ? "no scores" : s.length + " scores")
                            + " for 1 row; a scorer returns one number per row");
                }
                if (!Double.isFinite(s[0])) {
                    throw new GenpipeException(who + " scored the probe row " + s[0] + "; a run fails on such a value");
                }
                return "built and ran on one row of zeros (score " + s[0] + ")";
            }
            Batch out = component instanceof Generator g
                    ? g.generate(input, random)
                    : component instanceof Sampler sm ? sm.sample(input, random) : ((Encoder) component).encode(input);
            if (out == null) {
                throw new GenpipeException(who + " returned no batch for a probe row");
            }
            try (out) {
                if (out.rows() != 1) {
                    throw new GenpipeException(who + " returned " + out.rows() + " rows for 1 probe row");
                }
                ComponentStep.requireDeclaredOutputs(who, component.outputs(), out);
            }
            return "built and ran on one row" + (input.columnNames().isEmpty() ? "" : " of zeros");
        } finally {
            thread.setContextClassLoader(before);
        }
    }
}
