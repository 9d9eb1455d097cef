package io.genpipe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import io.genpipe.runtime.pipeline.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * parquet-sink's file read back by Spark SQL with the same values; parquet-source reading Parquet that Spark wrote,
 * with the same results on the local runner and on Spark local[2].
 */
class ParquetTest {

    private static final Path DATA = SparkLocalTest.ROOT.resolve("data/fashion-mnist");
    private static final int ROWS = 300;
    private static final Pattern LINE = Pattern.compile("\"id\":\"([^\"]+)\".*\"vae\":([-0-9.eE]+)");

    private static Genpipe genpipe;
    private static SparkSession session;
    private static float[] pixels;
    private static int[] labels;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        genpipe = Genpipe.builder().build();
        session = SparkEngine.session("local[2]", "genpipe-parquet-test");
        try (var t = IdxFile.read(DATA.resolve("t10k-images-idx3-ubyte.gz")).toImages(0, ROWS)) {
            pixels = t.toFloatArray();
        }
        labels = IdxFile.read(DATA.resolve("t10k-labels-idx1-ubyte.gz")).toLabels();
    }

    @AfterAll
    static void stop() {
        if (session != null) {
            session.stop();
        }
        if (genpipe != null) {
            genpipe.close();
        }
    }

    @Test
    void sparkReadsTheSinksFileWithTheSameValues() throws Exception {
        Path file = tmp.resolve("sink.yaml");
        Files.writeString(
                file,
                "batchSize: 64\nsteps:\n"
                        + "  - id: test\n    use: idx-source\n    with: {images: " + DATA
                        + "/t10k-images-idx3-ubyte.gz, labels: " + DATA + "/t10k-labels-idx1-ubyte.gz, limit: "
                        + ROWS + "}\n"
                        + "  - id: vae\n    use: vae-anomaly-scorer\n    inputs: [test]\n    with: {method: combined}\n"
                        + "  - id: flag\n    use: flag-quantile\n    inputs: [vae]\n    with: {fraction: 0.1}\n"
                        + "  - id: rows\n    use: parquet-sink\n    inputs: [flag]\n"
                        + "  - id: lines\n    use: jsonl-sink\n    inputs: [flag]\n");
        RunResult r = genpipe.pipeline(file).run(tmp.resolve("out"));
        Map<String, Double> scores = scores(r.outputFolder().resolve("lines.jsonl"));
        Dataset<Row> df =
                session.read().parquet(r.outputFolder().resolve("rows.parquet").toString());
        assertEquals(
                "struct<id:string,label:int,source:string,score:double,tags:map<string,string>,image:array<float>,"
                        + "vae:double>",
                df.schema().simpleString());
        List<Row> rows = df.collectAsList();
        assertEquals(ROWS, rows.size());
        for (int i = 0; i < ROWS; i++) {
            Row row = rows.get(i);
            assertEquals("test-" + i, row.getString(0));
            assertEquals(labels[i], row.getInt(1));
            assertEquals("t10k-images-idx3-ubyte.gz", row.getString(2));
            assertEquals(scores.get("test-" + i), row.getDouble(3), "score of row " + i);
            assertEquals(row.getDouble(3), row.getDouble(6));
            Map<String, String> tags = CollectionConverters.asJava(row.<String, String>getMap(4));
            assertTrue(
                    Map.of("flagged", "true").equals(tags)
                            || Map.of("flagged", "false").equals(tags),
                    "" + tags);
            List<Float> image = row.getList(5);
            assertEquals(784, image.size());
            for (int p = 0; p < 784; p++) {
                assertEquals(pixels[i * 784 + p], image.get(p), "pixel " + p + " of row " + i);
            }
        }
    }

    @Test
    void theSourceReadsSparksParquetAlikeOnBothEngines() throws Exception {
        // Spark writes the first 300 test images as three part files
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            List<Float> image = new ArrayList<>(784);
            for (int p = 0; p < 784; p++) {
                image.add(pixels[i * 784 + p]);
            }
            rows.add(RowFactory.create(
                    "img-" + i, labels[i], CollectionConverters.asScala(image).toSeq()));
        }
        StructType schema = new StructType()
                .add("id", DataTypes.StringType, false)
                .add("label", DataTypes.IntegerType, false)
                .add("image", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        Path written = tmp.resolve("written");
        session.createDataFrame(
                        JavaSparkContext.fromSparkContext(session.sparkContext())
                                .parallelize(rows, 3),
                        schema)
                .write()
                .parquet(written.toString());
        Path file = tmp.resolve("source.yaml");
        Files.writeString(
                file,
                "batchSize: 64\nsteps:\n"
                        + "  - id: rows\n    use: parquet-source\n"
                        + "    with: {file: \"" + written + "/part-*.parquet\", column: image, shape: [1, 28, 28]}\n"
                        + "  - id: vae\n    use: vae-anomaly-scorer\n    inputs: [rows]\n    with: {method: combined}\n"
                        + "  - id: n\n    use: count\n    inputs: [vae]\n    with: {metric: scored}\n"
                        + "  - id: lines\n    use: jsonl-sink\n    inputs: [n]\n");
        RunResult a = genpipe.pipeline(file).run(tmp.resolve("local"));
        SparkEngine engine =
                new SparkEngine(genpipe, JavaSparkContext.fromSparkContext(session.sparkContext()), null, line -> {});
        RunResult b = engine.run(file, List.of(), null, tmp.resolve("spark"));
        SparkLocalTest.assertSameOutputs(a, b);
        assertEquals(ROWS, ((Number) a.metrics().get("scored")).intValue());
        // the same images as the IDX file's: the same scores
        Path direct = tmp.resolve("direct.yaml");
        Files.writeString(
                direct,
                "batchSize: 64\nsteps:\n"
                        + "  - id: test\n    use: idx-source\n    with: {images: " + DATA
                        + "/t10k-images-idx3-ubyte.gz, limit: " + ROWS + "}\n"
                        + "  - id: vae\n    use: vae-anomaly-scorer\n    inputs: [test]\n    with: {method: combined}\n"
                        + "  - id: lines\n    use: jsonl-sink\n    inputs: [vae]\n");
        Map<String, Double> expected = scores(genpipe.pipeline(direct)
                .run(tmp.resolve("direct"))
                .outputFolder()
                .resolve("lines.jsonl"));
        Map<String, Double> got = scores(a.outputFolder().resolve("lines.jsonl"));
        assertEquals(ROWS, got.size());
        for (int i = 0; i < ROWS; i++) {
            assertEquals(expected.get("test-" + i), got.get("img-" + i), "image " + i);
        }
        assertTrue(Files.readAllLines(a.outputFolder().resolve("lines.jsonl"))
                .get(0)
                .contains("\"label\":" + labels[0]));
    }

    @Test
    void aMissingColumnIsNamed() throws Exception {
        Path written = tmp.resolve("few");
        session.createDataFrame(
                        List.of(RowFactory.create("a", 1)),
                        new StructType().add("id", DataTypes.StringType).add("label", DataTypes.IntegerType))
                .coalesce(1)
                .write()
                .parquet(written.toString());
        Path file = tmp.resolve("missing.yaml");
        Files.writeString(
                file,
                "steps:\n  - id: rows\n    use: parquet-source\n    with: {file: \"" + written
                        + "/*.parquet\", column: pixels}\n  - id: lines\n    use: jsonl-sink\n    inputs: [rows]\n");
        GenpipeException e = Assertions.assertThrows(
                GenpipeException.class, () -> genpipe.pipeline(file).plan());
        assertTrue(e.getMessage().contains("has no column 'pixels'; its columns: [id, label]"), e.getMessage());
    }

    private static Map<String, Double> scores(Path jsonl) throws Exception {
        Map<String, Double> out = new HashMap<>();
        for (String line : Files.readAllLines(jsonl)) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.find(), line);
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }
}
