package io.genpipe.testkit;

import io.genpipe.api.data.Batch;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How the conformance suite exercises one component: its parameters, the input rows, the
 * tolerance for comparisons that cross batch shapes, parameter values the factory itself must
 * refuse, and the behaviours it does not have (each with a reason, reported when skipped).
 *
 * <pre>{@code
 * ComponentCase.of("gan-generator")
 *         .input(() -> Batches.gaussian("z", 8, 100, 7))
 *         .tolerance(1e-5)
 *         .invalid("label", 10)
 * }</pre>
 */
public final class ComponentCase {

    private final String component;
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private final Map<String, Object> invalid = new LinkedHashMap<>();
    private final Map<Behavior, String> unsupported = new EnumMap<>(Behavior.class);
    private Supplier<Batch> input;
    private int rows = 6;
    private double tolerance = 1e-5;
    private long seed = 20_240_601L;
    private String label;
    private int threads = 4;
    private int callsPerThread = 3;

    private ComponentCase(String component) {
        this.component = Objects.requireNonNull(component, "component is null");
    }

    /** The component named {@code component}, built with its defaults. */
    public static ComponentCase of(String component) {
        return new ComponentCase(component);
    }

    /** A parameter value, as a pipeline file would give it. */
    public ComponentCase with(String name, Object value) {
        parameters.put(name, value);
        return this;
    }

    public ComponentCase with(Map<String, ?> values) {
        parameters.putAll(values);
        return this;
    }

    /**
     * The input rows (the suite closes the batch). Without one, the suite builds {@link #rows}
     * rows: no columns when the component reads none, and standard normal values for float32
     * ports with fixed sizes; other ports need an input.
     */
    public ComponentCase input(Supplier<Batch> newInput) {
        this.input = Objects.requireNonNull(newInput, "input is null");
        return this;
    }

    /** How many rows the suite builds when no input is given (default 6). */
    public ComponentCase rows(int newRows) {
        if (newRows < 4) {
            throw new IllegalArgumentException("the checks need at least 4 rows, found " + newRows);
        }
        this.rows = newRows;
        return this;
    }

    /**
     * The largest difference allowed between float results of the same row computed in batches of
     * different sizes or orders: {@code |expected - actual| <= tolerance * (1 + |expected|)} (default 1e-5). Same
     * batch, same seed must always give the same bytes, whatever this says.
     */
    public ComponentCase tolerance(double newTolerance) {
        this.tolerance = newTolerance;
        return this;
    }

    /** The seed of the random source calls get (default fixed). */
    public ComponentCase seed(long newSeed) {
        this.seed = newSeed;
        return this;
    }

    /** A value for {@code parameter} the component must refuse, naming the parameter. */
    public ComponentCase invalid(String parameter, Object value) {
        invalid.put(parameter, value);
        return this;
    }

    /** Declares that the component does not have {@code behavior}; the check is skipped with {@code reason}. */
    public ComponentCase unsupported(Behavior behavior, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("say why " + component + " does not support " + behavior);
        }
        unsupported.put(behavior, reason);
        return this;
    }

    /** Threads and calls per thread of the {@link Behavior#THREAD_SAFE} check (default 4 and 3; fewer for slow components). */
    public ComponentCase concurrency(int newThreads, int newCallsPerThread) {
        if (newThreads < 2 || newCallsPerThread < 1) {
            throw new IllegalArgumentException("the concurrency check needs 2 or more threads and a call each");
        }
        this.threads = newThreads;
        this.callsPerThread = newCallsPerThread;
        return this;
    }

    public int threads() {
        return threads;
    }

    public int callsPerThread() {
        return callsPerThread;
    }

    /** A name for this case in test reports when one component is checked with several settings. */
    public ComponentCase named(String newLabel) {
        this.label = newLabel;
        return this;
    }

    public String component() {
        return component;
    }

    public String displayName() {
        return label != null
                ? component + " (" + label + ")"
                : parameters.isEmpty() ? component : component + " " + parameters;
    }

    public Map<String, Object> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    public Map<String, Object> invalidValues() {
        return Collections.unmodifiableMap(invalid);
    }

    public Map<Behavior, String> unsupported() {
        return Collections.unmodifiableMap(unsupported);
    }

    Supplier<Batch> inputSupplier() {
        return input;
    }

    public int rows() {
        return rows;
    }

    public double tolerance() {
        return tolerance;
    }

    public long seed() {
        return seed;
    }
}
