package io.genpipe.testkit;

import io.genpipe.api.Component;
import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Role;
import io.genpipe.api.Sampler;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Dim;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.component.ParameterException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The conformance checks for one component of a plugin under test. Each method is one check;
 * it fails with an {@link AssertionError} that says what the component did and what the contract
 * asks. {@link PluginConformance} turns them into JUnit tests; they can also be called directly.
 */
public final class ComponentChecks {

    private final PluginUnderTest plugin;
    private final ComponentCase c;
    private final ComponentFactory<?> factory;
    private Outcome reference;

    public ComponentChecks(PluginUnderTest plugin, ComponentCase componentCase) {
        this.plugin = plugin;
        this.c = componentCase;
        this.factory = plugin.factory(c.component())
                .orElseThrow(() -> new AssertionError("plugin '"
                        + plugin.plugin().name() + "' has no component '" + c.component() + "'; it has "
                        + plugin.factories().stream()
                                .map(ComponentFactory::name)
                                .toList()));
    }

    public Role role() {
        return factory.role();
    }

    /** Runs the check for {@code behavior}. */
    public void check(Behavior behavior) {
        switch (behavior) {
            case DECLARED_PORTS -> declaredPorts();
            case DETERMINISTIC -> deterministic();
            case BATCH_SIZE_INDEPENDENT -> batchSizeIndependent();
            case ROW_INDEPENDENT -> rowIndependent();
            case RELEASES_NATIVE_VALUES -> releasesNativeValues();
            case REJECTS_INVALID_PARAMETERS -> rejectsInvalidParameters();
            case THREAD_SAFE -> threadSafe();
            default -> throw new IllegalStateException(behavior.toString());
        }
    }

    /** Outputs against the declared ports; one row per input row with the ids in order; the input left intact. */
    public void declaredPorts() {
        try (Component component = create();
                Batch input = input(component)) {
            List<PortSpec> outputs = component.outputs();
            Assertions.assertNotNull(outputs, who() + ": outputs() returned null; declare List.of() for none");
            Assertions.assertEquals(
                    outputs, component.outputs(), who() + ": outputs() must return the same ports every time");
            Assertions.assertEquals(
                    component.inputs(), component.inputs(), who() + ": inputs() must return the same ports every time");
            if (component instanceof Scorer scorer) {
                Assertions.assertNotNull(scorer.direction(), who() + ": direction() returned null");
                Assertions.assertTrue(
                        scorer.quantity() != null && !scorer.quantity().isBlank(),
                        who() + ": quantity() must name what the score measures (e.g. \"anomaly\")");
                double[] scores = withPluginLoader(component, () -> scorer.score(input));
                Assertions.assertNotNull(scores, who() + ": score() returned null");
                Assertions.assertEquals(
                        input.rows(),
                        scores.length,
                        who() + ": score() returned " + scores.length + " scores for " + input.rows()
                                + " rows; a scorer returns one number per row");
                for (int i = 0; i < scores.length; i++) {
                    if (!Double.isFinite(scores[i])) {
                        Assertions.fail(who() + ": score of row " + i + " ('"
                                + input.meta(i).id() + "') is " + scores[i]);
                    }
                }
            } else {
                try (Batch out = call(component, input)) {
                    Assertions.assertNotNull(out, who() + " returned no batch");
                    Assertions.assertEquals(
                            input.rows(),
                            out.rows(),
                            who() + " returned " + out.rows() + " rows for " + input.rows() + "; a " + role().label()
                                    + " returns one row per input row");
                    for (int i = 0; i < input.rows(); i++) {
                        RowMeta in = input.meta(i);
                        RowMeta got = out.meta(i);
                        Assertions.assertEquals(
                                in.id(),
                                got.id(),
                                who() + ": row " + i + " of the result has id '"
                                        + got.id() + "' but the input's row " + i + " is '" + in.id()
                                        + "'; results keep the input rows' ids in order");
                        Assertions.assertEquals(
                                in.source(),
                                got.source(),
                                who() + ": row '" + in.id() + "' came with source " + in.source() + " and left with "
                                        + got.source() + "; results keep the rows' metadata");
                        if (!(component instanceof Generator)) {
                            // only a generator may set the label it generated for and add tags
                            Assertions.assertEquals(
                                    in.label(),
                                    got.label(),
                                    who() + ": row '" + in.id() + "' came with label " + in.label() + " and left with "
                                            + got.label() + "; only a generator may set labels");
                            Assertions.assertEquals(
                                    in.tags(),
                                    got.tags(),
                                    who() + ": row '" + in.id() + "' came with tags " + in.tags() + " and left with "
                                            + got.tags() + "; only a generator may add tags");
                        }
                    }
                    for (PortSpec port : outputs) {
                        Assertions.assertTrue(
                                out.hasColumn(port.name()),
                                who() + " declares output port '" + port.name()
                                        + "' but its result has no such column (it has " + out.columnNames() + ")");
                        port.mismatch(out.column(port.name()))
                                .ifPresent(m -> Assertions.fail(
                                        who() + " returned a column that does not match its declared port: " + m));
                        Assertions.assertEquals(
                                input.rows(),
                                out.column(port.name()).shape()[0],
                                who() + ": column '" + port.name() + "' must have one entry per row");
                    }
                    for (String name : out.columnNames()) {
                        boolean declared =
                                outputs.stream().anyMatch(p -> p.name().equals(name));
                        Assertions.assertTrue(
                                declared || input.hasColumn(name),
                                who() + " returned column '" + name
                                        + "', which it does not declare among its outputs "
                                        + outputs.stream().map(PortSpec::name).toList()
                                        + "; declare every column it writes");
                    }
                }
            }
            for (String name : input.columnNames()) {
                Assertions.assertFalse(
                        input.column(name).isClosed(),
                        who() + " closed the input's column '" + name + "'; the input batch stays the caller's");
            }
        }
    }

    /**
     * Same input, same seed: same bytes, from a second call of one component and from a component
     * built a second time.
     */
    public void deterministic() {
        Outcome reference = reference();
        try (Component component = create();
                Batch input = input(component)) {
            Outcome first = run(component, input);
            String d = reference.difference(first, 0);
            if (d != null) {
                Assertions.fail(
                        who() + " built a second time gave different results for the same input and seed: " + d);
            }
            d = first.difference(run(component, input), 0);
            if (d != null) {
                Assertions.fail(who() + " gave different results for the same input and seed on a second call: " + d);
            }
        }
    }

    /** The input in one batch vs. in batches of 1, 2 and the rest. */
    public void batchSizeIndependent() {
        Outcome whole = reference();
        try (Component component = create();
                Batch input = input(component)) {
            List<Outcome> parts = new ArrayList<>();
            int[] cuts = {0, 1, 3, input.rows()};
            for (int i = 0; i + 1 < cuts.length; i++) {
                try (Batch part = input.slice(cuts[i], cuts[i + 1])) {
                    parts.add(run(component, part));
                }
            }
            String d = whole.difference(Outcome.concat(parts), c.tolerance());
            if (d != null) {
                Assertions.fail(who() + ": rows gave other results in batches of 1, 2 and " + (input.rows() - 3)
                        + " than in one batch of " + input.rows() + ": " + d
                        + ". A row's result may depend on its id and the"
                        + " seed only (fork the random source by row id)");
            }
        }
    }

    /** The batch in reverse order gives each row's result unchanged. */
    public void rowIndependent() {
        Outcome forward = reference();
        try (Component component = create();
                Batch input = input(component)) {
            List<Integer> reverse = IntStream.range(0, input.rows())
                    .map(i -> input.rows() - 1 - i)
                    .boxed()
                    .toList();
            Outcome backward;
            try (Batch reversed = input.select(reverse)) {
                backward = run(component, reversed);
            }
            String d = forward.difference(backward.select(reverse), c.tolerance());
            if (d != null) {
                Assertions.fail(who() + ": rows gave other results when their neighbours changed (the batch in reverse"
                        + " order): " + d + ". A row's result may depend on its own values, id and the seed only");
            }
        }
    }

    /** Every native value the calls opened is closed once the results and the component are. */
    public void releasesNativeValues() {
        long before = plugin.liveNativeValues();
        Component component = create();
        try (Batch input = input(component)) {
            run(component, input);
        }
        component.close();
        component.close();
        long after = plugin.liveNativeValues();
        Assertions.assertEquals(
                before,
                after,
                who() + " left " + (after - before) + " native ONNX Runtime value(s) open"
                        + " after its results and the component were closed; close every OnnxTensor / ModelOutputs you open"
                        + " (try-with-resources) and what you keep in close()");
    }

    /**
     * Values outside each parameter's declared range or choices, and the case's own invalid values,
     * are refused with a message naming the parameter; an InvalidParameterException from the
     * factory is how a component refuses what the host cannot check.
     */
    public void rejectsInvalidParameters() {
        Map<String, Attempt> attempts = new LinkedHashMap<>();
        for (ParameterSpec spec : factory.parameters()) {
            if (spec.min() != null && Double.isFinite(spec.min())) {
                attempts.put(spec.name() + " below its range", new Attempt(spec.name(), below(spec)));
            }
            if (spec.max() != null && Double.isFinite(spec.max())) {
                attempts.put(spec.name() + " above its range", new Attempt(spec.name(), above(spec)));
            }
            if (spec.type() == ParameterType.CHOICE) {
                attempts.put(spec.name() + " not a choice", new Attempt(spec.name(), "no-such-choice"));
            }
        }
        c.invalidValues().forEach((name, value) -> attempts.put(name + " = " + value, new Attempt(name, value)));
        if (attempts.isEmpty()) {
            Assumptions.abort(who() + " has no parameter with a range or choices, and the case"
                    + " names no invalid value (ComponentCase.invalid)");
        }
        for (Map.Entry<String, Attempt> e : attempts.entrySet()) {
            Attempt attempt = e.getValue();
            String name = attempt.parameter();
            Map<String, Object> parameters = new HashMap<>(c.parameters());
            parameters.put(name, attempt.value());
            GenpipeException thrown;
            try {
                Component made = plugin.create(factory.role(), factory.name(), parameters);
                made.close();
                throw new AssertionError(who() + " accepted " + name + " = " + attempt.value() + " (" + e.getKey()
                        + "); refuse it with" + " an InvalidParameterException naming '" + name
                        + "' (or declare the range in parameters())");
            } catch (GenpipeException ex) {
                thrown = ex;
            }
            Assertions.assertTrue(
                    thrown instanceof ParameterException,
                    who() + ": " + name + " = " + attempt.value()
                            + " was refused with \"" + thrown.getMessage()
                            + "\", which does not say which parameter is wrong;"
                            + " throw InvalidParameterException(\"" + name + "\", ...)");
            Assertions.assertTrue(
                    ((ParameterException) thrown).parameters().contains(name),
                    who() + ": " + name + " = " + attempt.value() + " was refused naming "
                            + ((ParameterException) thrown).parameters() + " instead of '" + name + "'");
        }
    }

    /**
     * Several threads ({@link ComponentCase#concurrency}, default 4 threads, 3 calls each) calling one
     * component at once: each result equals a serial call's, byte for byte.
     */
    public void threadSafe() {
        Outcome serial = reference();
        int threads = c.threads();
        try (Component component = create();
                Batch input = input(component)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "genpipe-testkit-caller");
                t.setDaemon(true);
                return t;
            });
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int i = 0; i < threads * c.callsPerThread(); i++) {
                futures.add(pool.submit(() -> run(component, input)));
            }
            pool.shutdown();
            try {
                // every call ends before the component and its input are closed
                if (!pool.awaitTermination(10, TimeUnit.MINUTES)) {
                    throw new AssertionError(who() + " did not finish " + futures.size() + " calls from " + threads
                            + " threads within 10 minutes");
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", ex);
            }
            for (int i = 0; i < futures.size(); i++) {
                Outcome o;
                try {
                    o = futures.get(i).get();
                } catch (ExecutionException ex) {
                    throw new AssertionError(
                            who() + " failed when called from " + threads + " threads at once: " + ex.getCause(),
                            ex.getCause());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", ex);
                }
                String d = serial.difference(o, 0);
                if (d != null) {
                    Assertions.fail(
                            who() + ": call " + i + " of " + futures.size() + " from " + threads + " threads at once"
                                    + " gave another result than a serial call: " + d
                                    + ". Components must be safe to call"
                                    + " from several threads (keep per-call state in locals), or declare THREAD_SAFE unsupported");
                }
            }
        }
    }

    // --- calling the component the way the host does ---

    /** The first call's result of a freshly built component, computed once and compared against by the checks. */
    private synchronized Outcome reference() {
        if (reference == null) {
            try (Component component = create();
                    Batch input = input(component)) {
                reference = run(component, input);
            }
        }
        return reference;
    }

    private String who() {
        return role().label() + " '" + c.displayName() + "' (plugin '"
                + plugin.plugin().name() + "')";
    }

    private Component create() {
        return plugin.create(factory.role(), factory.name(), c.parameters());
    }

    private Batch input(Component component) {
        if (c.inputSupplier() != null) {
            Batch b = c.inputSupplier().get();
            if (b.rows() < 4) {
                b.close();
                throw new IllegalArgumentException(
                        "the input of " + c.displayName() + " has " + b.rows() + " rows; the checks need at least 4");
            }
            for (PortSpec port : component.inputs()) {
                if (!b.hasColumn(port.name())) {
                    b.close();
                    throw new IllegalArgumentException("the input of " + c.displayName() + " lacks column '"
                            + port.name() + "' that the component reads (" + port + ")");
                }
            }
            return b;
        }
        return synthetic(component.inputs(), c.rows(), c.seed());
    }

    /** Rows with ids {@code row-0, row-1, ...}, standard normal values for float32 ports of fixed sizes. */
    static Batch synthetic(List<PortSpec> ports, int rows, long seed) {
        List<RowMeta> meta = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            meta.add(RowMeta.of("row-" + i));
        }
        Batch.Builder b = Batch.builder(rows).meta(meta);
        for (PortSpec port : ports) {
            long[] shape = new long[port.rank()];
            shape[0] = rows;
            for (int d = 1; d < shape.length; d++) {
                Dim dim = port.shape().get(d);
                if (!dim.isFixed()) {
                    throw new IllegalArgumentException("input port " + port
                            + " has a dimension of no fixed size; give the case" + " an input (ComponentCase.input)");
                }
                shape[d] = dim.size();
            }
            if (port.dtype() != DType.FLOAT32 || shape.length == 0) {
                throw new IllegalArgumentException("input port " + port
                        + " is not float32 of fixed sizes; give the case an" + " input (ComponentCase.input)");
            }
            b.column(port.name(), Batches.gaussian(shape, new RandomSource(seed).fork("input/" + port.name())));
        }
        return b.build();
    }

    private Outcome run(Component component, Batch input) {
        if (component instanceof Scorer scorer) {
            double[] scores = withPluginLoader(component, () -> scorer.score(input));
            Assertions.assertNotNull(scores, who() + ": score() returned null");
            return Outcome.ofScores(input.meta(), scores);
        }
        try (Batch out = call(component, input)) {
            Assertions.assertNotNull(out, who() + " returned no batch");
            return Outcome.of(out);
        }
    }

    private Batch call(Component component, Batch input) {
        RandomSource random = new RandomSource(c.seed()).fork("conformance");
        return withPluginLoader(component, () -> {
            if (component instanceof Generator g) {
                return g.generate(input, random);
            }
            if (component instanceof Sampler s) {
                return s.sample(input, random);
            }
            if (component instanceof Encoder e) {
                return e.encode(input);
            }
            throw new IllegalStateException(component.getClass().getName());
        });
    }

    private static <T> T withPluginLoader(Component component, Supplier<T> body) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(component.getClass().getClassLoader());
        try {
            return body.get();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    /** A value for a parameter that must be refused. */
    private record Attempt(String parameter, Object value) {}

    private static Object below(ParameterSpec spec) {
        return spec.type() == ParameterType.INTEGER ? (Object) (long) Math.floor(spec.min() - 1) : spec.min() - 1;
    }

    private static Object above(ParameterSpec spec) {
        return spec.type() == ParameterType.INTEGER ? (Object) (long) Math.ceil(spec.max() + 1) : spec.max() + 1;
    }
}
