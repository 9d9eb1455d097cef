package io.genpipe.spark;

import io.genpipe.runtime.io.Storage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import scala.Tuple2;

/**
 * Sources' files on Hadoop's file systems ({@code hdfs://}, {@code s3a://}, ...), read through Hadoop's {@code
 * FileSystem} with Spark's Hadoop configuration (the cluster's {@code core-site.xml} and {@code hdfs-site.xml}, and
 * every {@code spark.hadoop.*} setting): credentials and endpoints are configured the way Spark users configure
 * them. Found by the runtime through {@link java.util.ServiceLoader}.
 */
public final class HadoopStorage implements Storage {

    @Override
    public Set<String> schemes() {
        return Set.of(
                "hdfs", "webhdfs", "swebhdfs", "viewfs", "s3a", "abfs", "abfss", "wasb", "wasbs", "gs", "ofs", "o3fs");
    }

    /** Spark's Hadoop configuration: Hadoop's files on the class path and the {@code spark.hadoop.*} settings. */
    static Configuration configuration() {
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> kv : env.conf().getAll()) {
                if (kv._1().startsWith("spark.hadoop.")) {
                    conf.set(kv._1().substring("spark.hadoop.".length()), kv._2());
                }
            }
        }
        return conf;
    }

    private static FileSystem fs(String location) throws IOException {
        return FileSystem.get(URI.create(location), configuration());
    }

    @Override
    public List<String> glob(String pattern) throws IOException {
        FileStatus[] found = fs(pattern).globStatus(new Path(pattern));
        List<String> files = new ArrayList<>();
        if (found != null) {
            for (FileStatus s : found) {
                if (s.isFile()) {
                    files.add(s.getPath().toString());
                }
            }
        }
        files.sort(null);
        return files;
    }

    @Override
    public boolean isFile(String location) throws IOException {
        try {
            return fs(location).getFileStatus(new Path(location)).isFile();
        } catch (FileNotFoundException e) {
            return false;
        }
    }

    @Override
    public InputStream open(String location) throws IOException {
        return fs(location).open(new Path(location));
    }
}
