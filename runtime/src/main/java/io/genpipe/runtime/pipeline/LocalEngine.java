package io.genpipe.runtime.pipeline;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.text.TokenListener;
import io.genpipe.runtime.pipeline.run.Cancellation;
import io.genpipe.runtime.pipeline.run.RunFailure;
import io.genpipe.runtime.pipeline.run.RunLifecycle;
import io.genpipe.runtime.pipeline.run.RunStepContext;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.StepKind;
import io.genpipe.runtime.step.StepRef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The local runner's way of executing steps: one thread per step, connected by bounded queues (so memory stays
 * flat whatever the data size; a full queue makes the producer wait); a batch fanned out to several consumers is
 * copied for all but the first. Optionally some source steps are fed rows from memory instead of running, and
 * some steps' batches are also handed to a listener (a served pipeline's request and answer).
 */
final class LocalEngine implements RunLifecycle.Engine {

    private static final int QUEUE_CAPACITY = 4;

    private final Consumer<String> log;
    private final PipelineRunner.Progress progress;
    private final Map<String, Batch> feeds;
    private final Map<String, Consumer<Batch>> taps;

    /**
     * @param feeds rows a source step emits (in batches of the pipeline's batch size) instead of running; owned by
     *     this engine from now on
     * @param taps steps whose emitted batches are also handed, as copies the listener owns, to a listener
     */
    LocalEngine(
            Consumer<String> log,
            PipelineRunner.Progress progress,
            Map<String, Batch> feeds,
            Map<String, Consumer<Batch>> taps) {
        this.log = log;
        this.progress = progress;
        this.feeds = new LinkedHashMap<>(feeds);
        this.taps = Map.copyOf(taps);
    }

    @Override
    public List<RunResult.StepResult> execute(
            PipelinePlan plan, Path folder, Map<String, Object> metrics, Cancellation cancellation) {
        try {
            return executeSteps(plan, folder, metrics, cancellation);
        } finally {
            feeds.values().forEach(Batch::close); // rows of a fed step that never ran
            feeds.clear();
        }
    }

    private List<RunResult.StepResult> executeSteps(
            PipelinePlan plan, Path folder, Map<String, Object> metrics, Cancellation cancellation) {
        Map<String, Channel> inboxes = new LinkedHashMap<>(); // key: consumer/input as written
        Map<String, Map<String, List<Channel>>> outboxes = new HashMap<>(); // producer -> output ("" for its only one)
        Map<String, StepStats> stats = new LinkedHashMap<>();
        for (PipelinePlan.Planned p : plan.steps()) {
            // a step with several inputs reads them one after the other (first input to its end, then the next),
            // which fixes the order of its rows; the inputs it is not reading yet buffer without bound, so an
            // upstream step they share is never blocked by them. A step reading side values waits for them with
            // its input unread: that input buffers too, so the step producing the side value is never held up.
            boolean several =
                    p.definition().inputs().size() > 1 || !p.sideInputs().isEmpty();
            for (String input : p.definition().inputs()) {
                Channel channel =
                        several ? Channel.unbounded(input, p.id()) : Channel.bounded(input, p.id(), QUEUE_CAPACITY);
                inboxes.put(p.id() + "/" + input, channel);
                StepRef ref = StepRef.parse(input);
                outboxes.computeIfAbsent(ref.step(), k -> new HashMap<>())
                        .computeIfAbsent(ref.output() == null ? "" : ref.output(), k -> new ArrayList<>())
                        .add(channel);
            }
            stats.put(p.id(), new StepStats(p.definition().use()));
        }
        AtomicReference<RunFailure> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        RandomSource root = new RandomSource(plan.definition().seed());
        SideValues sides = new SideValues();
        for (PipelinePlan.Planned p : plan.steps()) {
            p.publishes().forEach(v -> sides.declare(p.id(), v.name()));
        }
        for (PipelinePlan.Planned p : plan.steps()) {
            if (p.execution() == StepKind.FINAL) {
                continue; // runs from the run's summary, after this
            }
            List<BatchInput> inputs = new ArrayList<>();
            for (String input : p.definition().inputs()) {
                inputs.add(inboxes.get(p.id() + "/" + input));
            }
            Map<String, List<Channel>> mine = outboxes.getOrDefault(p.id(), Map.of());
            StepStats st = stats.get(p.id());
            BatchOutput output = output(p.id(), mine, st, taps.get(p.id()));
            LocalContext context = new LocalContext(
                    p.id(), plan.definition(), folder, root.fork(p.id()), metrics, progress, sides, log);
            Batch fed = feeds.remove(p.id());
            Thread t = new Thread(
                    () -> {
                        long t0 = System.nanoTime();
                        try {
                            if (fed != null) {
                                emitInBatches(fed, output, plan.definition().batchSize());
                            } else {
                                p.step().run(inputs, output, context);
                            }
                            for (List<Channel> group : mine.values()) {
                                for (Channel c : group) {
                                    c.end();
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (Throwable e) {
                            if (failure.compareAndSet(
                                    null,
                                    RunFailure.inStep(p.id(), p.definition().location(), e))) {
                                cancellation.ending();
                            }
                        } finally {
                            sides.ended(p.id());
                            st.seconds = (System.nanoTime() - t0) / 1e9;
                        }
                    },
                    "genpipe-step-" + p.id());
            t.setDaemon(true); // a step stuck in plugin code never keeps the JVM alive after a stop
            threads.add(t);
        }
        threads.forEach(t -> {
            cancellation.register(t);
            t.start();
        });
        List<String> stuck = new ArrayList<>();
        try {
            for (Thread t : threads) {
                if (!cancellation.join(t)) {
                    stuck.add(t.getName().substring("genpipe-step-".length()));
                }
            }
        } catch (InterruptedException e) {
            threads.forEach(Thread::interrupt);
            joinQuietly(threads);
            drain(inboxes);
            Thread.currentThread().interrupt();
            throw RunFailure.interrupted();
        }
        drain(inboxes);
        cancellation.check(stuck);
        if (failure.get() != null) {
            throw failure.get();
        }
        List<RunResult.StepResult> steps = new ArrayList<>();
        stats.forEach((id, st) -> {
            RunResult.StepResult step = new RunResult.StepResult(id, st.use, st.rows.get(), st.seconds);
            log.accept(step.line());
            steps.add(step);
        });
        return steps;
    }

    /**
     * Where a step's batches go: its consumers' queues, per output (a copy for all but the first consumer of an
     * output), and a tap's listener.
     */
    private BatchOutput output(String id, Map<String, List<Channel>> outboxes, StepStats st, Consumer<Batch> tap) {
        return new BatchOutput() {
            @Override
            public void emit(Batch batch) throws InterruptedException {
                deliver(batch, outboxes.getOrDefault("", List.of()));
            }

            @Override
            public BatchOutput to(String name) {
                List<Channel> consumers = outboxes.getOrDefault(name, List.of());
                return batch -> deliver(batch, consumers);
            }

            private void deliver(Batch batch, List<Channel> consumers) throws InterruptedException {
                progress.rows(id, st.rows.addAndGet(batch.rows()));
                if (tap != null) {
                    tap.accept(batch.copy());
                }
                if (consumers.isEmpty()) {
                    batch.close();
                    return;
                }
                boolean handed = false;
                try {
                    for (int i = 1; i < consumers.size(); i++) {
                        Batch copy = batch.copy();
                        try {
                            consumers.get(i).put(copy);
                        } catch (InterruptedException e) {
                            copy.close();
                            throw e;
                        }
                    }
                    consumers.get(0).put(batch);
                    handed = true;
                } finally {
                    if (!handed) {
                        batch.close(); // interrupted: what was not handed over is closed here
                    }
                }
            }
        };
    }

    /** Rows from memory, emitted as a source emits them: in batches of the pipeline's batch size. */
    private static void emitInBatches(Batch rows, BatchOutput output, int batchSize) throws InterruptedException {
        try (Batch all = rows) {
            int size = Math.max(1, batchSize);
            for (int from = 0; from < all.rows(); from += size) {
                output.emit(all.slice(from, Math.min(all.rows(), from + size)));
            }
        }
    }

    private static void drain(Map<String, Channel> inboxes) {
        inboxes.values().forEach(Channel::drain);
    }

    private static void joinQuietly(List<Thread> threads) {
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static final class StepStats {
        final String use;
        final AtomicLong rows = new AtomicLong();
        volatile double seconds;

        StepStats(String use) {
            this.use = use;
        }
    }

    /** A step's context in the local runner: side values between threads, text to the progress listener. */
    private static final class LocalContext extends RunStepContext {
        private final String id;
        private final PipelineRunner.Progress progress;
        private final SideValues sides;

        LocalContext(
                String id,
                PipelineDefinition definition,
                Path folder,
                RandomSource random,
                Map<String, Object> metrics,
                PipelineRunner.Progress progress,
                SideValues sides,
                Consumer<String> log) {
            super(id, definition, folder, random, metrics, log);
            this.id = id;
            this.progress = progress;
            this.sides = sides;
        }

        @Override
        public void publish(String name, Object value) {
            sides.publish(id, name, value);
        }

        @Override
        public Object side(String producer, String name) throws InterruptedException {
            return sides.get(producer, name);
        }

        @Override
        public TokenListener tokens(List<RowMeta> rows) {
            if (!progress.wantsText()) {
                return TokenListener.NONE;
            }
            boolean[] started = new boolean[rows.size()];
            return new TokenListener() {
                @Override
                public void onText(int row, String piece) {
                    begin(row);
                    progress.text(id, rows.get(row).id(), piece);
                }

                private void begin(int row) {
                    if (!started[row]) {
                        started[row] = true;
                        progress.textStart(
                                id, rows.get(row).id(), rows.get(row).tags().getOrDefault("text", ""));
                    }
                }

                @Override
                public void onFinish(int row, String reason) {
                    begin(row);
                    progress.textDone(id, rows.get(row).id(), reason);
                }
            };
        }
    }
}
