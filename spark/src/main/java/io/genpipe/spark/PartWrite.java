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
import java.security.NoSuchAlgorithmException;
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
 * One partition of a sink's rows written as one part file where the partition is: into an attempt file first,
 * renamed to {@code part-NNNNN.EXT} when the whole part is written (a retried task writes its part again), its rows
 * and sha256 handed to the driver for the manifest.
 */
final class PartWrite implements Function2<Integer, Iterator<SparkRow>, Iterator<PartFiles.Part>>, Serializable {

    private static final long serialVersionUID = 1L;

    private final JobSpec spec;
    private final String step;
    private final String folder;
    private final String file;

    PartWrite(JobSpec spec, String step, String folder, String file) {
        this.spec = spec;
        this.step = step;
        this.folder = folder;
        this.file = file;
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
            String name = PartFiles.partName(file, partition);
            TaskContext task = TaskContext.get();
            long attempt = task == null ? 0 : task.taskAttemptId();
            org.apache.hadoop.fs.Path part = new org.apache.hadoop.fs.Path(folder + "/" + name);
            org.apache.hadoop.fs.Path temp =
                    new org.apache.hadoop.fs.Path(folder + "/_attempt-" + partition + "-" + attempt);
            FileSystem fs = FileSystem.get(URI.create(folder), HadoopStorage.configuration());
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long written;
            SparkStepContext context = new SparkStepContext(
                    step,
                    plan.definition(),
                    Path.of(System.getProperty("java.io.tmpdir")),
                    new RandomSource(plan.definition().seed()).fork(step),
                    new LinkedHashMap<>(),
                    new HashMap<>(),
                    line -> System.err.println("genpipe: step '" + step + "': " + line));
            try (OutputStream out = new DigestOutputStream(fs.create(temp, true), sha)) {
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
                        out,
                        context);
            } catch (Exception e) {
                fs.delete(temp, false);
                throw RunFailure.inStep(step, planned.definition().location(), e);
            }
            fs.delete(part, false);
            if (!fs.rename(temp, part)) {
                throw new IOException("cannot rename " + temp + " to " + part);
            }
            return List.of(new PartFiles.Part(name, written, HexFormat.of().formatHex(sha.digest())))
                    .iterator();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            ExecutorRuntime.release(spec, plan);
        }
    }
}
