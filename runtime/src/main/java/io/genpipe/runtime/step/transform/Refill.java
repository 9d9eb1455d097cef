package io.genpipe.runtime.step.transform;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.text.TokenListener;
import io.genpipe.runtime.step.Aggregation;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.Chained;
import io.genpipe.runtime.step.SideValue;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code refill} built-in step, a bounded loop: each of its input rows asks for one result; a round runs the
 * chain written under its {@code steps:} (e.g. noise → generate → gate-score → gate) on the rows still missing,
 * per group (class), and keeps what comes out, up to each group's count; rounds go on until every group has its
 * count or {@code maxRounds} is reached ({@code onShort: fail | warn | keep} says what then).
 *
 * <pre>{@code
 * - id: replacements
 *   use: refill
 *   inputs: [flagged]                  # one row per wanted replacement, with its class
 *   with: {counts: flag, maxRounds: 10, onShort: fail}
 *   steps:
 *     - {id: noise, use: gaussian, with: {dim: 100}}
 *     - {id: generate, use: gan-generator}
 *     - {id: gate-score, use: vae-anomaly-scorer}
 *     - {id: gate, use: gate, with: {thresholds: flag}}
 * }</pre>
 *
 * <p>Round 1 runs every input row as it is; a later round r runs, for each short group (in order of first
 * appearance), as many of its input rows (in order, again from the first when it needs more than it has) as it
 * misses, each with the id {@code
 * ID@rR} (and {@code .K} for the K-th extra pass), so every draw is forked from (seed, step, row id, round): the
 * results are the same whatever the batch size, thread timing or engine. Rows come out in round order, in order
 * within a round. run.json gets, under the step's id: rounds, needed per group, and accepted, rejected (tried but
 * not passed by the chain) and unused (passed beyond the count) per round and group.
 */
public final class Refill {

    private Refill() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                        "refill",
                        StepCategory.TRANSFORM,
                        "a bounded loop: runs its steps: on the rows still missing, per group, round after round, until"
                                + " each group has its count (counts:, else one result per input row)",
                        List.of(
                                ParameterSpec.optional(
                                        "counts",
                                        ParameterType.STRING,
                                        null,
                                        "the step publishing how many results each class needs (e.g. flag); default:"
                                                + " as many as the group's input rows"),
                                ParameterSpec.choice(
                                        "by",
                                        "label",
                                        "groups: label (each class its own count) or none",
                                        "label",
                                        "none"),
                                ParameterSpec.optional(
                                                "maxRounds", ParameterType.INTEGER, "10", "the most rounds it runs")
                                        .range(1, 1000),
                                ParameterSpec.choice(
                                        "onShort",
                                        "fail",
                                        "when a group still misses rows after maxRounds: fail (naming the groups),"
                                                + " warn, or keep (what it has)",
                                        "fail",
                                        "warn",
                                        "keep")),
                        1,
                        1,
                        Refill::create)
                .global(Aggregation.ROUNDS, "the rows its chain lets through, round after round, per group")
                .reads(new SideValue.Input("counts", "counts", SideValue.Type.COUNT_PER_CLASS));
    }

    private static Step create(Parameters p, Path folder) {
        return new RefillStep(
                p.findString("counts").orElse(null),
                p.getString("by").equals("label"),
                p.getInt("maxRounds"),
                p.getString("onShort"));
    }

    /** The loop. */
    static final class RefillStep implements Step, Chained {
        private final String counts;
        private final boolean byLabel;
        private final int maxRounds;
        private final String onShort;
        private List<Link> links = List.of();

        RefillStep(String counts, boolean byLabel, int maxRounds, String onShort) {
            this.counts = counts;
            this.byLabel = byLabel;
            this.maxRounds = maxRounds;
            this.onShort = onShort;
        }

        @Override
        public void chain(List<Link> chain) {
            this.links = List.copyOf(chain);
        }

        @Override
        public List<Link> links() {
            return links;
        }

        @Override
        public List<PortSpec> outputs(List<StepInput> inputs) {
            return inputs.get(0).columns(); // the validator gives the loop its chain's columns
        }

        @Override
        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
            ChainMetrics chainMetrics = new ChainMetrics();
            try {
                run(inputs, output, context, (rows, round) -> runChain(rows, context, chainMetrics));
            } finally {
                chainMetrics.record(context);
            }
        }

        @Override
        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context, Rounds rounds)
                throws Exception {
            List<Batch> requests = new ArrayList<>();
            try {
                for (Batch b = inputs.get(0).next();
                        b != null;
                        b = inputs.get(0).next()) {
                    requests.add(b);
                }
                loop(requests, output, context, rounds);
            } finally {
                requests.forEach(Batch::close);
            }
        }

        private String group(RowMeta m) {
            return byLabel && m.label() != null ? Integer.toString(m.label()) : "all";
        }

        private void loop(List<Batch> requests, BatchOutput output, StepContext context, Rounds rounds)
                throws Exception {
            // every request row, by group (groups in order of first appearance)
            Map<String, List<int[]>> byGroup = new LinkedHashMap<>(); // group -> (batch, row)
            for (int b = 0; b < requests.size(); b++) {
                for (int r = 0; r < requests.get(b).rows(); r++) {
                    byGroup.computeIfAbsent(group(requests.get(b).meta(r)), g -> new ArrayList<>())
                            .add(new int[] {b, r});
                }
            }
            Map<String, Long> needed = needed(byGroup, context);
            List<String> unreachable = new ArrayList<>();
            needed.forEach((g, n) -> {
                if (n > 0 && !byGroup.containsKey(g)) {
                    unreachable.add(name(g) + " (" + n + ")");
                }
            });
            if (!unreachable.isEmpty()) {
                throw new GenpipeException("no round can make rows for " + String.join(", ", unreachable)
                        + ": none of the loop's input rows is of that group, and each round runs input rows; give it"
                        + " rows of every group it must fill");
            }
            Map<String, Long> accepted = new LinkedHashMap<>();
            needed.keySet().forEach(g -> accepted.put(g, 0L));
            Map<String, Map<String, Long>> acceptedPerRound = ordered();
            Map<String, Map<String, Long>> rejectedPerRound = ordered();
            Map<String, Map<String, Long>> unusedPerRound = ordered();
            int round = 0;
            while (round < maxRounds && short_(needed, accepted)) {
                round++;
                Batch rows = roundRows(requests, byGroup, needed, accepted, round);
                Map<String, Long> tried = countByGroup(rows.meta());
                List<Batch> passed;
                try (rows) {
                    passed = rounds.run(rows, round);
                }
                Map<String, Long> through = new TreeMap<>();
                Map<String, Long> took = new TreeMap<>();
                Map<String, Long> unused = new TreeMap<>();
                for (Batch out : passed) {
                    try (out) {
                        List<Integer> keep = new ArrayList<>();
                        for (int r = 0; r < out.rows(); r++) {
                            String g = group(out.meta(r));
                            through.merge(g, 1L, Long::sum);
                            if (accepted.getOrDefault(g, 0L) < needed.getOrDefault(g, 0L)) {
                                accepted.merge(g, 1L, Long::sum);
                                took.merge(g, 1L, Long::sum);
                                keep.add(r);
                            } else {
                                unused.merge(g, 1L, Long::sum);
                            }
                        }
                        if (!keep.isEmpty()) {
                            output.emit(out.select(keep));
                        }
                    }
                }
                String key = Integer.toString(round);
                acceptedPerRound.put(key, sorted(took));
                Map<String, Long> rejected = new TreeMap<>();
                tried.forEach((g, n) -> rejected.put(g, n - through.getOrDefault(g, 0L)));
                rejectedPerRound.put(key, sorted(rejected));
                if (!unused.isEmpty()) {
                    unusedPerRound.put(key, sorted(unused));
                }
            }
            String id = context.stepId();
            context.metric(id, "rounds", round);
            context.metric(id, "needed", sorted(needed));
            context.metric(id, "accepted", acceptedPerRound);
            context.metric(id, "rejected", rejectedPerRound);
            if (!unusedPerRound.isEmpty()) {
                context.metric(id, "unused", unusedPerRound);
            }
            List<String> missing = new ArrayList<>();
            Map<String, Long> shortBy = new TreeMap<>();
            for (Map.Entry<String, Long> e : needed.entrySet()) {
                long have = accepted.getOrDefault(e.getKey(), 0L);
                if (have < e.getValue()) {
                    missing.add(name(e.getKey()) + " has " + have + " of " + e.getValue() + " (" + (e.getValue() - have)
                            + " missing)");
                    shortBy.put(e.getKey(), e.getValue() - have);
                }
            }
            if (!missing.isEmpty()) {
                context.metric(id, "short", sorted(shortBy));
                String message =
                        "after " + round + " round" + (round == 1 ? "" : "s") + ", " + String.join(", ", missing);
                if (onShort.equals("fail")) {
                    throw new GenpipeException(message + "; raise maxRounds (now " + maxRounds + "), or set onShort:"
                            + " warn or keep to go on with what it has");
                }
                if (onShort.equals("warn")) {
                    context.warn("step '" + id + "': " + message + " (onShort: warn: going on with what it has)");
                }
            }
        }

        /** How many results each group needs: the counts side value, else its number of input rows. */
        private Map<String, Long> needed(Map<String, List<int[]>> byGroup, StepContext context)
                throws InterruptedException {
            Map<String, Long> needed = new LinkedHashMap<>();
            if (counts == null) {
                byGroup.forEach((g, rows) -> needed.put(g, (long) rows.size()));
                return needed;
            }
            @SuppressWarnings("unchecked")
            Map<String, ?> published = (Map<String, ?>) context.side(counts, "counts");
            for (Map.Entry<String, ?> e : published.entrySet()) {
                String g = byLabel ? e.getKey() : "all";
                needed.merge(g, ((Number) e.getValue()).longValue(), Long::sum);
            }
            return needed;
        }

        private static boolean short_(Map<String, Long> needed, Map<String, Long> accepted) {
            return needed.entrySet().stream().anyMatch(e -> accepted.getOrDefault(e.getKey(), 0L) < e.getValue());
        }

        /**
         * Round 1: every input row as it is. A later round: for each short group, in order, as many of its rows as it
         * misses (from the first again when it needs more), renamed {@code ID@rR[.K]}.
         */
        private Batch roundRows(
                List<Batch> requests,
                Map<String, List<int[]>> byGroup,
                Map<String, Long> needed,
                Map<String, Long> accepted,
                int round) {
            if (round == 1) {
                return Batch.concat(requests);
            }
            List<Batch> parts = new ArrayList<>();
            try {
                for (Map.Entry<String, List<int[]>> e : byGroup.entrySet()) {
                    long missing = needed.getOrDefault(e.getKey(), 0L) - accepted.getOrDefault(e.getKey(), 0L);
                    List<int[]> rows = e.getValue();
                    for (int k = 0; k < missing; k++) {
                        int[] at = rows.get(k % rows.size());
                        Batch one = requests.get(at[0]).slice(at[1], at[1] + 1);
                        RowMeta m = one.meta(0);
                        String id = m.id() + "@r" + round + (k >= rows.size() ? "." + k / rows.size() : "");
                        parts.add(one.extend()
                                .meta(List.of(new RowMeta(id, m.label(), m.source(), m.score(), m.tags())))
                                .build());
                    }
                }
                return Batch.concat(parts);
            } finally {
                parts.forEach(Batch::close);
            }
        }

        private Map<String, Long> countByGroup(List<RowMeta> meta) {
            Map<String, Long> out = new TreeMap<>();
            meta.forEach(m -> out.merge(group(m), 1L, Long::sum));
            return out;
        }

        /** One round's rows through the chain, in chunks of the pipeline's batch size; what the last step emitted. */
        private List<Batch> runChain(Batch rows, StepContext context, ChainMetrics metrics) throws Exception {
            List<Batch> current = new ArrayList<>();
            int size = Math.max(1, context.batchSize());
            for (int from = 0; from < rows.rows(); from += size) {
                current.add(rows.slice(from, Math.min(rows.rows(), from + size)));
            }
            try {
                for (Link link : links) {
                    Deque<Batch> queue = new ArrayDeque<>(current);
                    current = new ArrayList<>();
                    List<Batch> emitted = current;
                    try {
                        link.step()
                                .run(List.of(queue::poll), emitted::add, new LinkContext(link.id(), context, metrics));
                    } finally {
                        queue.forEach(Batch::close);
                    }
                }
                List<Batch> done = current;
                current = List.of();
                return done;
            } finally {
                current.forEach(Batch::close);
            }
        }

        private static String name(String group) {
            return group.equals("all") ? "the rows" : "class " + group;
        }

        private static <V> Map<String, V> ordered() {
            return new TreeMap<>(Comparator.comparing(String::length).thenComparing(k -> k));
        }

        private static Map<String, Long> sorted(Map<String, Long> values) {
            Map<String, Long> out = ordered();
            out.putAll(values);
            return out;
        }
    }

    /** What the chain's steps record, summed over rounds, then recorded once. */
    static final class ChainMetrics {
        private final Map<String, Map<String, Object>> groups = new LinkedHashMap<>(); // group -> key (or "") -> value

        void add(String group, String key, Object value) {
            groups.computeIfAbsent(group, g -> new LinkedHashMap<>())
                    .merge(key == null ? "" : key, value, ChainMetrics::sum);
        }

        private static Object sum(Object a, Object b) {
            if (a instanceof Long x && b instanceof Long y) {
                return x + y;
            }
            if ((a instanceof Integer || a instanceof Long) && (b instanceof Integer || b instanceof Long)) {
                return ((Number) a).longValue() + ((Number) b).longValue();
            }
            return b; // not a count: the last round's
        }

        void record(StepContext context) {
            groups.forEach((group, values) ->
                    values.forEach((key, value) -> context.metric(group, key.isEmpty() ? null : key, value)));
        }
    }

    /**
     * A chain step's context: the loop's folders, batch size and side values; its own random source (the loop's,
     * forked by the step's id); its metrics summed over rounds.
     */
    private static final class LinkContext implements StepContext {
        private final String id;
        private final StepContext loop;
        private final ChainMetrics metrics;
        private final RandomSource random;

        LinkContext(String id, StepContext loop, ChainMetrics metrics) {
            this.id = id;
            this.loop = loop;
            this.metrics = metrics;
            this.random = loop.random().fork(id);
        }

        @Override
        public String stepId() {
            return id;
        }

        @Override
        public Path pipelineFolder() {
            return loop.pipelineFolder();
        }

        @Override
        public Path outputFolder() {
            return loop.outputFolder();
        }

        @Override
        public int batchSize() {
            return loop.batchSize();
        }

        @Override
        public RandomSource random() {
            return random;
        }

        @Override
        public void metric(String group, String key, Object value) {
            metrics.add(group, key, value);
        }

        @Override
        public Map<String, Object> metrics() {
            return loop.metrics();
        }

        @Override
        public boolean failOnNonFinite() {
            return loop.failOnNonFinite();
        }

        @Override
        public void warn(String message) {
            loop.warn(message);
        }

        @Override
        public Object side(String producer, String name) throws InterruptedException {
            return loop.side(producer, name);
        }

        @Override
        public TokenListener tokens(List<RowMeta> rows) {
            return loop.tokens(rows);
        }
    }
}
