package io.genpipe.serve;

import io.genpipe.api.Component;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Role;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.text.StopRule;
import io.genpipe.api.text.TokenSampler;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.component.ParameterBinder;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.PipelineRunner;
import io.genpipe.runtime.pipeline.Problem;
import io.genpipe.runtime.step.StepKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The served models, one record each: the model (component or pipeline), its config, its batcher and the
 * variants requests asked for, its version. Front ends take a record for each request ({@link #acquire}) and
 * give it back when the request is answered ({@link #release}). Loading a model builds the new record beside
 * the old one and swaps them: requests that hold the old record finish on it, new ones get the new one, and
 * the old one closes (batcher, variants, sessions) when its last request is answered — nothing is dropped.
 */
final class ModelRepository implements AutoCloseable {

    /** The most parameter variants one model runs at once: each is a component with its own sessions' state. */
    static final int MAX_VARIANTS = 16;

    /** A model's state as the repository index reports it. */
    enum State {
        READY,
        UNAVAILABLE
    }

    /** One loaded model. */
    static final class Entry {
        final ServedModel model;
        final ServeConfig.ModelConfig config;
        final Role role;
        final Batcher batcher;
        /** The variants requests asked for with their own parameters, each with its own batcher. */
        final Map<Map<String, String>, Batcher> variants = new LinkedHashMap<>();

        private final AtomicInteger users = new AtomicInteger();
        private final AtomicBoolean closed = new AtomicBoolean();
        /** Done when the batchers have stopped and the sessions are closed. */
        private final CompletableFuture<Void> shut = new CompletableFuture<>();

        private volatile boolean retired;

        Entry(ServedModel model, ServeConfig.ModelConfig config, Role role, Batcher batcher) {
            this.model = model;
            this.config = config;
            this.role = role;
            this.batcher = batcher;
        }

        String name() {
            return model.name;
        }

        private boolean enter() {
            users.incrementAndGet();
            if (retired) {
                leave();
                return false;
            }
            return true;
        }

        private void leave() {
            if (users.decrementAndGet() == 0 && retired) {
                shut();
            }
        }

        private void retire() {
            retired = true;
            if (users.get() == 0) {
                shut();
            }
        }

        /**
         * Once, on a thread of its own (the last request may be answered on a batcher's own thread, which
         * closing that batcher waits for): the batchers answer what they hold and stop, then the sessions close.
         */
        private void shut() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            Thread t = new Thread(
                    () -> {
                        try {
                            batcher.close();
                            synchronized (variants) {
                                variants.values().forEach(b -> {
                                    b.close();
                                    b.model().close();
                                });
                            }
                            model.close();
                        } finally {
                            shut.complete(null);
                        }
                    },
                    "genpipe-serve-retire-" + model.name);
            t.setDaemon(true);
            t.start();
        }
    }

    /** A load that failed: the problems, with the lines of the config they were read from. */
    static final class LoadFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final transient List<Problem> problems;

        LoadFailure(List<Problem> problems) {
            super(problems.toString(), null, false, false);
            this.problems = List.copyOf(problems);
        }
    }

    /** Builds a model's batcher with the server's metrics. */
    interface Batchers {
        Batcher create(ServedModel model, ServeConfig.ModelConfig config);
    }

    private final Genpipe genpipe;
    private final Batchers batchers;
    private final Object loading = new Object();
    /** Copy on write, in the order models were first served: reads take no lock. */
    private volatile Map<String, Entry> records = Map.of();
    /** Models the repository knows but does not serve now (unloaded, or a load failed): why. */
    private final Map<String, String> unavailable = new LinkedHashMap<>();

    private final Map<String, Integer> versions = new LinkedHashMap<>();
    private volatile boolean closing;

    ModelRepository(Genpipe genpipe, Batchers batchers) {
        this.genpipe = genpipe;
        this.batchers = batchers;
    }

    /**
     * Serves every model of {@code models}, or none: all the problems of those that cannot be built.
     *
     * @throws PipelineException naming each model's problems with its config line
     */
    void start(List<ServeConfig.ModelConfig> models) {
        List<Problem> problems = new ArrayList<>();
        List<Entry> built = new ArrayList<>();
        for (ServeConfig.ModelConfig m : models) {
            try {
                built.add(build(m, 1));
            } catch (LoadFailure e) {
                problems.addAll(e.problems);
            }
        }
        if (!problems.isEmpty()) {
            built.forEach(Entry::retire);
            throw new PipelineException(problems);
        }
        Map<String, Entry> all = new LinkedHashMap<>();
        for (Entry r : built) {
            all.put(r.name(), r);
            versions.put(r.name(), 1);
        }
        records = all;
    }

    /** The record requests to {@code name} use now; give it back with {@link #release}. */
    Entry acquire(String name) {
        while (true) {
            Entry r = records.get(name);
            if (r == null) {
                throw missing(name);
            }
            if (r.enter()) {
                return r;
            }
            if (records.get(name) == r) {
                throw new RequestException(
                        503, "the server is shutting down; model " + name + " takes no new requests");
            }
            // swapped out between the read and the entry: the new one is in the map already
        }
    }

    void release(Entry r) {
        r.leave();
    }

    /** The record serving {@code name} now, without taking it (metadata). */
    Entry peek(String name) {
        Entry r = records.get(name);
        if (r == null) {
            throw missing(name);
        }
        return r;
    }

    private RequestException missing(String name) {
        synchronized (unavailable) {
            String why = unavailable.get(name);
            if (why != null) {
                return new RequestException(
                        404,
                        "model " + name + " is not loaded (" + why + "); POST /v2/repository/models/" + name
                                + "/load to serve it");
            }
        }
        return new RequestException(
                404, "no model '" + name + "'; served models: " + new ArrayList<>(records.keySet()));
    }

    /** The models served now, in order. */
    List<Entry> served() {
        return List.copyOf(records.values());
    }

    /** Every model's batcher (the config's, not the variants'), by model name. */
    Map<String, Batcher> batchers() {
        Map<String, Batcher> out = new LinkedHashMap<>();
        records.forEach((name, r) -> out.put(name, r.batcher));
        return out;
    }

    /** The repository index: every model served or known, with its version and state. */
    List<Map<String, Object>> index() {
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (loading) {
            List<String> names = new ArrayList<>(versions.keySet());
            for (String name : names) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("name", name);
                e.put("version", Integer.toString(versions.get(name)));
                Entry r = records.get(name);
                e.put("state", (r != null ? State.READY : State.UNAVAILABLE).name());
                synchronized (unavailable) {
                    e.put("reason", r != null ? "" : unavailable.getOrDefault(name, ""));
                }
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Serves {@code m}: builds it beside the model it replaces (if any), then swaps them; the old one closes
     * when its last request is answered.
     *
     * @return the version now served
     * @throws LoadFailure with the problems when the model cannot be built (the old one keeps serving)
     */
    int load(ServeConfig.ModelConfig m) {
        synchronized (loading) {
            if (closing) {
                throw new RequestException(503, "the server is shutting down; nothing is loaded");
            }
            int version = versions.getOrDefault(m.name(), 0) + 1;
            Entry fresh;
            try {
                fresh = build(m, version);
            } catch (LoadFailure e) {
                if (!records.containsKey(m.name())) {
                    versions.putIfAbsent(m.name(), version - 1);
                    synchronized (unavailable) {
                        unavailable.put(m.name(), "its last load failed");
                    }
                }
                throw e;
            }
            Map<String, Entry> next = new LinkedHashMap<>(records);
            Entry old = next.put(m.name(), fresh);
            records = next;
            versions.put(m.name(), version);
            synchronized (unavailable) {
                unavailable.remove(m.name());
            }
            if (old != null) {
                old.retire();
            }
            return version;
        }
    }

    /**
     * Stops serving {@code name}: new requests get 404, those in flight are answered, then its sessions close.
     *
     * @throws RequestException 404 for a model not served
     */
    void unload(String name) {
        synchronized (loading) {
            Entry old = records.get(name);
            if (old == null) {
                throw missing(name);
            }
            Map<String, Entry> next = new LinkedHashMap<>(records);
            next.remove(name);
            records = next;
            synchronized (unavailable) {
                unavailable.put(name, "unloaded");
            }
            old.retire();
        }
    }

    /** The parameters of component {@code use} that name files (none for a component not registered). */
    List<String> fileParameters(String use) {
        return genpipe.components()
                .find(use)
                .map(f -> f.factory().parameters().stream()
                        .filter(p -> p.type().namesFiles())
                        .map(ParameterSpec::name)
                        .toList())
                .orElse(List.of());
    }

    /** Builds one model (its sessions loaded) and its batcher. */
    private Entry build(ServeConfig.ModelConfig m, int version) {
        List<Problem> problems = new ArrayList<>();
        ServedModel model;
        Role role = null;
        if (m.pipeline() != null) {
            model = pipeline(m, problems);
        } else {
            model = null;
            try {
                Optional<RegisteredFactory> f = genpipe.components().find(m.use());
                if (f.isEmpty()) {
                    throw new GenpipeException("unknown component '" + m.use() + "'; ./genpipe plugins lists them");
                }
                role = f.get().factory().role();
                if (role != Role.GENERATOR && role != Role.SCORER) {
                    throw new GenpipeException(m.use() + " is " + role.name().toLowerCase(Locale.ROOT)
                            + "; genpipe serve serves generators and scorers");
                }
                Component c = genpipe.create(role, m.use(), m.with());
                model = new ServedModel(m.name(), m.use(), c, f.get().factory().parameters());
            } catch (GenpipeException e) {
                problems.add(new Problem(m.location(), null, "model '" + m.name() + "': " + e.getMessage()));
            }
        }
        if (model == null) {
            throw new LoadFailure(problems);
        }
        model.version = Integer.toString(version);
        try {
            return new Entry(model, m, role, batchers.create(model, m));
        } catch (GenpipeException e) {
            model.close();
            throw new LoadFailure(
                    List.of(new Problem(m.location(), null, "model '" + m.name() + "': " + e.getMessage())));
        }
    }

    /**
     * A pipeline file as a model: validated like {@code genpipe validate} (its problems with the pipeline
     * file's lines), its input a source step and its output a step that passes rows on; null with problems.
     */
    private ServedModel pipeline(ServeConfig.ModelConfig m, List<Problem> problems) {
        ServeConfig.PipelineRef ref = m.pipeline();
        String what = "model '" + m.name() + "': ";
        PipelinePlan plan;
        try {
            plan = genpipe.pipeline(ref.file()).plan();
        } catch (PipelineException e) {
            problems.add(new Problem(
                    m.location(),
                    null,
                    what + "pipeline " + ref.file() + " is invalid ("
                            + e.problems().size() + (e.problems().size() == 1 ? " problem" : " problems") + ")"));
            problems.addAll(e.problems());
            return null;
        } catch (GenpipeException e) {
            problems.add(new Problem(m.location(), null, what + e.getMessage()));
            return null;
        }
        Map<String, PipelinePlan.Planned> steps = new LinkedHashMap<>();
        plan.steps().forEach(p -> steps.put(p.id(), p));
        PipelinePlan.Planned in = steps.get(ref.input());
        PipelinePlan.Planned out = steps.get(ref.output());
        List<String> sources = plan.steps().stream()
                .filter(p -> p.execution() == StepKind.SOURCE)
                .map(PipelinePlan.Planned::id)
                .toList();
        List<String> passing = plan.steps().stream()
                .filter(p -> p.execution() != StepKind.SINK)
                .map(PipelinePlan.Planned::id)
                .toList();
        if (in == null || in.execution() != StepKind.SOURCE) {
            problems.add(new Problem(
                    m.location(),
                    null,
                    what + "input: " + ref.input() + " is not a source step of " + ref.file() + " (its sources: "
                            + String.join(", ", sources) + ")"));
            return null;
        }
        if (out == null || out.execution() == StepKind.SINK) {
            problems.add(new Problem(
                    m.location(),
                    null,
                    what + "output: " + ref.output() + " is not a step of " + ref.file()
                            + " that passes rows on (" + (out == null ? "no such step" : "it is a sink") + "; steps: "
                            + String.join(", ", passing) + ")"));
            return null;
        }
        if (in.outputs().isEmpty()) {
            problems.add(new Problem(
                    m.location(),
                    null,
                    what + "input: " + ref.input() + " emits rows without columns (tags"
                            + " only, e.g. text), which a request's tensors cannot fill; serve a pipeline whose input"
                            + " step emits tensors"));
            return null;
        }
        PipelineRunner runner = new PipelineRunner(genpipe, line -> {
            if (line.startsWith("warning: ")) {
                System.err.println("genpipe serve: model " + m.name() + ": " + line);
            }
        });
        List<PortSpec> outputs = out.outputs();
        return ServedModel.pipeline(
                m.name(),
                m.use(),
                in.outputs(),
                outputs,
                rows -> {
                    PipelineRunner.RowsResult result = runner.runOn(plan, ref.input(), rows, ref.output());
                    Batch answer = result.rows();
                    return new PipelineRunner.RowsResult(
                            answer.rows() == 0 && !outputs.isEmpty() ? empty(outputs, answer) : answer,
                            result.metrics());
                },
                runner::cancel);
    }

    /** No rows came out: zero-row tensors of the output's ports, so the answer still names them. */
    private static Batch empty(List<PortSpec> ports, Batch none) {
        none.close();
        Batch.Builder b = Batch.builder(0);
        for (PortSpec p : ports) {
            long[] shape = new long[p.shape().size()];
            for (int i = 1; i < shape.length; i++) {
                shape[i] = p.shape().get(i).isFixed() ? p.shape().get(i).size() : 0;
            }
            b.column(p.name(), BufferTensor.allocate(p.dtype(), shape));
        }
        return b.build();
    }

    /**
     * The batcher for a record with a request's own parameters: the config's when there are none, else the
     * variant built for exactly those values (the config's {@code with:} plus the request's, checked by the
     * host's binder like a pipeline step's), made on first use.
     */
    Batcher batcher(Entry r, Map<String, String> overrides) {
        if (overrides.isEmpty()) {
            return r.batcher;
        }
        if (r.batcher instanceof ContinuousBatcher continuous && sampling(overrides)) {
            // a request's own sampling parameters: its row decodes with them in the shared batch, no variant
            Map<String, Object> with = new LinkedHashMap<>(r.config.with());
            with.putAll(overrides);
            try {
                Parameters p = ParameterBinder.bind(
                        List.copyOf(r.model.parameters().values()),
                        r.role.label() + " '" + r.model.use + "'",
                        with,
                        genpipe.baseDir());
                return continuous.with(TokenSampler.fromParameters(p), StopRule.fromParameters(p));
            } catch (InvalidParameterException e) {
                // worded as the component's factory words it
                throw new RequestException(
                        400,
                        "model " + r.name() + ": parameter '" + e.parameter() + "' of " + r.role.label() + " '"
                                + r.model.use + "': " + e.getMessage());
            } catch (GenpipeException e) {
                throw new RequestException(400, "model " + r.name() + ": " + e.getMessage());
            }
        }
        synchronized (r.variants) {
            Batcher b = r.variants.get(overrides);
            if (b != null) {
                return b;
            }
            if (closing) {
                throw new RequestException(
                        503, "the server is shutting down; model " + r.name() + " takes no new requests");
            }
            if (r.variants.size() >= MAX_VARIANTS) {
                throw new RequestException(
                        400,
                        "model " + r.name() + " already runs " + MAX_VARIANTS + " variants with requests' own"
                                + " parameters; use one of those or the config's (" + r.variants.keySet() + ")");
            }
            Map<String, Object> with = new LinkedHashMap<>(r.config.with());
            with.putAll(overrides);
            Component component;
            try {
                component = genpipe.create(r.role, r.model.use, with);
            } catch (GenpipeException e) {
                throw new RequestException(400, "model " + r.name() + ": " + e.getMessage());
            }
            ServedModel variant = new ServedModel(
                    r.model.name,
                    r.model.use,
                    component,
                    List.copyOf(r.model.parameters().values()));
            variant.version = r.model.version;
            b = batchers.create(variant, r.config);
            r.variants.put(overrides, b);
            return b;
        }
    }

    /** Whether every parameter a request sets is one of a token generator's sampler chain or stop rule. */
    private static boolean sampling(Map<String, String> overrides) {
        for (String k : overrides.keySet()) {
            if (TokenSampler.PARAMETERS.stream().noneMatch(s -> s.name().equals(k))
                    && StopRule.PARAMETERS.stream().noneMatch(s -> s.name().equals(k))) {
                return false;
            }
        }
        return true;
    }

    /**
     * No new loads, variants or requests (503); every model answers what it holds, then closes; returns when all
     * have closed (or after {@code timeoutSeconds}).
     */
    boolean close(long timeoutSeconds) {
        closing = true;
        List<Entry> all;
        synchronized (loading) {
            all = List.copyOf(records.values());
            all.forEach(Entry::retire);
        }
        try {
            CompletableFuture.allOf(all.stream().map(r -> r.shut).toArray(CompletableFuture[]::new))
                    .get(timeoutSeconds, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false; // what did not close in time goes with the process
        }
    }

    @Override
    public void close() {
        var unused = close(GenpipeServer.REQUEST_TIMEOUT_S);
    }
}
