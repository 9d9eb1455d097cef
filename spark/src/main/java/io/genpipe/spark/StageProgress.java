package io.genpipe.spark;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.storage.RDDInfo;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What a Spark run logs while its stages run: a line when a stage that took two seconds or more ends (its steps,
 * tasks and seconds), and, for a long stage, its tasks done every ten seconds. The steps are those whose datasets the engine named
 * ({@link #name}); Spark's own stages (a sort's sampling) are logged without steps.
 */
final class StageProgress extends SparkListener {

    private static final String PREFIX = "genpipe:";
    private static final long EVERY_NANOS = 10_000_000_000L;
    private static final double QUIET_SECONDS = 2;

    private final Consumer<String> log;
    private final Map<Integer, int[]> tasks = new HashMap<>(); // stage -> {done, total}
    private final Map<Integer, Long> lastLine = new HashMap<>();
    private final Map<Integer, String> steps = new HashMap<>();

    StageProgress(Consumer<String> log) {
        this.log = log;
    }

    /** Names a dataset after the steps whose rows it holds, for the progress lines. */
    static <T> void name(JavaRDD<T> rdd, String steps) {
        RDD<T> r = rdd.rdd();
        r.setName(PREFIX + steps);
    }

    @Override
    public synchronized void onStageSubmitted(SparkListenerStageSubmitted event) {
        StageInfo info = event.stageInfo();
        tasks.put(info.stageId(), new int[] {0, info.numTasks()});
        lastLine.put(info.stageId(), System.nanoTime());
        steps.put(info.stageId(), steps(info));
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd event) {
        int[] t = tasks.get(event.stageId());
        if (t == null) {
            return;
        }
        t[0]++;
        long now = System.nanoTime();
        if (now - lastLine.getOrDefault(event.stageId(), now) >= EVERY_NANOS && t[0] < t[1]) {
            lastLine.put(event.stageId(), now);
            log.accept(String.format(
                    Locale.ROOT,
                    "stage %d: %d of %d tasks done%s",
                    event.stageId(),
                    t[0],
                    t[1],
                    steps.getOrDefault(event.stageId(), "")));
        }
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted event) {
        StageInfo info = event.stageInfo();
        tasks.remove(info.stageId());
        lastLine.remove(info.stageId());
        String names = steps.remove(info.stageId());
        double seconds =
                info.submissionTime().isDefined() && info.completionTime().isDefined()
                        ? ((Long) info.completionTime().get()
                                        - (Long) info.submissionTime().get())
                                / 1e3
                        : 0;
        boolean failed = info.failureReason().isDefined();
        if (seconds < QUIET_SECONDS && !failed) {
            return; // a short stage says nothing: a small run's log stays the local runner's
        }
        log.accept(String.format(
                Locale.ROOT,
                "stage %d %s: %d tasks in %.1f s%s",
                info.stageId(),
                failed ? "failed" : "done",
                info.numTasks(),
                seconds,
                names != null ? names : steps(info)));
    }

    private static String steps(StageInfo info) {
        Set<String> names = new LinkedHashSet<>();
        for (RDDInfo r : CollectionConverters.asJava(info.rddInfos())) {
            if (r.name() != null && r.name().startsWith(PREFIX)) {
                names.add(r.name().substring(PREFIX.length()));
            }
        }
        return names.isEmpty() ? "" : " (" + String.join(", ", names) + ")";
    }
}
