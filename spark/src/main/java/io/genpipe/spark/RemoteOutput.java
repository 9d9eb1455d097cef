package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.io.PartFiles;
import io.genpipe.runtime.io.Storages;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's output folder on a Hadoop file system ({@code hdfs://}, {@code s3a://}), committed as Spark's own writers
 * commit: the executors write their part files into a hidden staging folder beside the target, the driver adds its
 * own files (run.json, report.html, pictures) and the {@code _SUCCESS} manifest, then renames the staging folder
 * to the target. Until then nothing is visible at the target; a failed run deletes the staging folder.
 */
final class RemoteOutput {

    private final String target;
    private final String staging;
    private final FileSystem fs;

    private RemoteOutput(String target, String staging, FileSystem fs) {
        this.target = target;
        this.staging = staging;
        this.fs = fs;
    }

    /** Whether {@code location} is a Hadoop URI (not a local path). */
    static boolean isRemote(String location) {
        String scheme = Storages.scheme(location);
        return scheme != null && !scheme.equals("file");
    }

    /**
     * The staging folder for a run into {@code target}.
     *
     * @throws GenpipeException naming the target when it exists (a remote folder is never replaced) or cannot be
     *     written
     */
    static RemoteOutput claim(String target, String run, Configuration conf) {
        String clean = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
        try {
            FileSystem fs = FileSystem.get(URI.create(clean), conf);
            Path t = new Path(clean);
            if (fs.exists(t)) {
                throw new GenpipeException("output folder " + clean + " exists; genpipe does not replace a folder on"
                        + " a Hadoop file system: remove it (hdfs dfs -rm -r " + clean + ") or choose another --out");
            }
            Path staging = new Path(t.getParent(), "." + t.getName() + ".genpipe-" + run);
            fs.mkdirs(staging);
            return new RemoteOutput(clean, staging.toString(), fs);
        } catch (IOException e) {
            throw new GenpipeException("cannot write the output folder " + clean + ": " + e.getMessage(), e);
        }
    }

    /** Where the executors write a sink's parts: its file's folder in the staging folder. */
    String partsFolder(String file) {
        return staging + "/" + file;
    }

    String target() {
        return target;
    }

    /** Adds the driver's files, then the manifest, and makes the staging folder the target. */
    void commit(java.nio.file.Path local, List<PartFiles.PartedFile> parted, Map<String, Object> about) {
        try {
            try (Stream<java.nio.file.Path> walk = Files.walk(local)) {
                for (java.nio.file.Path f :
                        walk.filter(Files::isRegularFile).sorted().toList()) {
                    String relative = local.relativize(f).toString().replace('\\', '/');
                    fs.copyFromLocalFile(false, true, new Path(f.toUri()), new Path(staging + "/" + relative));
                }
            }
            try (OutputStream out = fs.create(new Path(staging + "/" + PartFiles.SUCCESS), true)) {
                out.write(PartFiles.manifest(parted, about).getBytes(StandardCharsets.UTF_8));
            }
            if (!fs.rename(new Path(staging), new Path(target))) {
                throw new IOException(
                        "renaming " + staging + " to " + target + " failed (does " + target + " exist now?)");
            }
        } catch (IOException e) {
            abort();
            throw new GenpipeException("cannot commit the output folder " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the staging folder: nothing of the run stays. */
    void abort() {
        try {
            fs.delete(new Path(staging), true);
        } catch (IOException e) {
            System.err.println("genpipe: could not delete the staging folder " + staging + ": " + e.getMessage());
        }
    }
}
