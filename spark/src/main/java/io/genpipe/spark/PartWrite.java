package io.genpipe.spark;

import io.genpipe.api.RandomSource;
import io.genpipe.runtime.io.PartFiles;
import io.genpipe.runtime.pipeline.PipelinePlan;
import io.genpipe.runtime.pipeline.run.RunFailure;
import io.genpipe.runtime.step.PartedSink;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;

/**
 * One partition of a sink's rows written as one part of each of its files where the partition is: into attempt
 * files first, renamed to {@code part-NNNNN.EXT} when the whole part is written (a retried task writes its part
 * again), each part's rows and sha256 handed to the driver for the manifest, in the order of the sink's files.
 */
final class PartWrite implements Function2<Integer, Iterator<SparkRow>, Iterator<PartFiles.Part>>, Serializable {

    private static final long serialVersionUID = 1L;

    private final JobSpec spec;
    private final String step;
    private final List<String> folders;
    private final List<String> files;

    /**
     * @param folders the Hadoop folder each file's parts go into, in the order of the sink's files
     * @param files the sink's files
     */
    PartWrite(JobSpec spec, String step, List<String> folders, List<String> files) {
        this.spec = spec;
        this.step = step;
        this.folders = List.copyOf(folders);
        this.files = List.copyOf(files);
    }

    @Override
    public Iterator<PartFiles.Part> call(Integer partition, Iterator<SparkRow> rows) throws Exception {
        PipelinePlan plan = ExecutorRuntime.borrow(spec);
        try {
            PipelinePlan.Planned planned = ExecutorRuntime.step(plan, step);
            PartedSink sink = planned.step()
                    .parts()
                    .orElseThrow(() -> new IllegalStateException("step " + step + " writes no parts"));
            int chunk = plan.definition().batchSize();
            TaskContext task = TaskContext.get();
            long attempt = task == null ? 0 : task.taskAttemptId();
            List<org.apache.hadoop.fs.Path> parts = new ArrayList<>();
            List<org.apache.hadoop.fs.Path> temps = new ArrayList<>();
            List<MessageDigest> shas = new ArrayList<>();
            List<OutputStream> outs = new ArrayList<>();
            FileSystem fs = FileSystem.get(URI.create(folders.get(0)), HadoopStorage.configuration());
            long written;
            SparkStepContext context = new SparkStepContext(
                    step,
                    plan.definition(),
                    Path.of(System.getProperty("java.io.tmpdir")),
                    new RandomSource(plan.definition().seed()).fork(step),
                    new LinkedHashMap<>(),
                    new HashMap<>(),
                    line -> System.err.println("genpipe: step '" + step + "': " + line));
            try {
                for (int f = 0; f < files.size(); f++) {
                    String folder = folders.get(f);
                    parts.add(
                            new org.apache.hadoop.fs.Path(folder + "/" + PartFiles.partName(files.get(f), partition)));
                    org.apache.hadoop.fs.Path temp =
                            new org.apache.hadoop.fs.Path(folder + "/_attempt-" + partition + "-" + attempt);
                    temps.add(temp);
                    shas.add(MessageDigest.getInstance("SHA-256"));
                    outs.add(new DigestOutputStream(fs.create(temp, true), shas.get(f)));
                }
                written = sink.writePart(
                        partition,
                        () -> {
                            if (!rows.hasNext()) {
                                return null;
                            }
                            List<byte[]> next = new ArrayList<>(chunk);
                            while (next.size() < chunk && rows.hasNext()) {
                                next.add(rows.next().data());
                            }
                            return RowCodec.decode(next);
                        },
                        outs,
                        context);
                for (OutputStream out : outs) {
                    out.close();
                }
            } catch (Exception e) {
                for (OutputStream out : outs) {
                    try {
                        out.close();
                    } catch (IOException ignored) {
                        // the step's failure is the one to tell
                    }
                }
                for (org.apache.hadoop.fs.Path temp : temps) {
                    fs.delete(temp, false);
                }
                throw RunFailure.inStep(step, planned.definition().location(), e);
            }
            List<PartFiles.Part> done = new ArrayList<>();
            for (int f = 0; f < files.size(); f++) {
                fs.delete(parts.get(f), false);
                if (!fs.rename(temps.get(f), parts.get(f))) {
                    throw new IOException("cannot rename " + temps.get(f) + " to " + parts.get(f));
                }
                done.add(new PartFiles.Part(
                        parts.get(f).getName(),
                        written,
                        HexFormat.of().formatHex(shas.get(f).digest())));
            }
            return done.iterator();
        } finally {
            ExecutorRuntime.release(spec, plan);
        }
    }
}
