package io.genpipe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genpipe.runtime.Genpipe;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor's genpipe runtime (its ONNX Runtime sessions) lives as long as the executor, and no longer. */
class ExecutorShutdownTest {

    @TempDir
    Path tmp;

    @Test
    void stoppingSparkClosesTheExecutorsRuntimes() {
        try (Genpipe genpipe = Genpipe.builder().build()) {
            SparkSession session = SparkEngine.session("local[1]", "genpipe-shutdown-test");
            try {
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, line -> {})
                        .run(
                                SparkLocalTest.ROOT.resolve("pipelines/anomaly-augment.yaml"),
                                List.of("test.limit=500"),
                                null,
                                tmp.resolve("out"));
                assertEquals(1, ExecutorRuntime.runtimes(), "one runtime while the executor lives");
            } finally {
                session.stop();
            }
            assertEquals(0, ExecutorRuntime.runtimes(), "the executor plugin's shutdown closed it");
        }
    }
}
