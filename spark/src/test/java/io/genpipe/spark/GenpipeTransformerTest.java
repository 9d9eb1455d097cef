package io.genpipe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.io.IdxFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
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
import scala.jdk.javaapi.CollectionConverters;

/**
 * GenpipeTransformer on Spark local[2], in an ML Pipeline: the VAE's scores and encodings of 1,000 test images, in
 * the DataFrame's row order, equal the components called locally on the same rows.
 */
class GenpipeTransformerTest {

    private static SparkSession session;
    private static Dataset<Row> images;
    private static float[] pixels;
    private static final int ROWS = 1000;

    @BeforeAll
    static void start() {
        session = SparkEngine.session("local[2]", "genpipe-transformer-test");
        IdxFile idx = IdxFile.read(SparkLocalTest.ROOT.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz"));
        try (var t = idx.toImages(0, ROWS)) {
            pixels = t.toFloatArray();
        }
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            List<Float> p = new ArrayList<>(784);
            for (int i = 0; i < 784; i++) {
                p.add(pixels[r * 784 + i]);
            }
            rows.add(RowFactory.create((long) r, CollectionConverters.asScala(p).toSeq()));
        }
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, false)
                .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        // three partitions, in order
        images = session.createDataFrame(
                JavaSparkContext.fromSparkContext(session.sparkContext()).parallelize(rows, 3), schema);
    }

    @AfterAll
    static void stop() {
        if (session != null) {
            session.stop();
        }
    }

    @Test
    void scoresInAnMlPipelineEqualTheComponentCalledLocally() {
        GenpipeTransformer vae = new GenpipeTransformer()
                .setComponent("vae-anomaly-scorer")
                .setParameters("{\"method\": \"combined\"}")
                .setInputCol("pixels")
                .setOutputCol("anomaly")
                .setBatchSize(64);
        Dataset<Row> scored =
                new Pipeline().setStages(new PipelineStage[] {vae}).fit(images).transform(images);
        List<Row> out = scored.select("id", "anomaly").collectAsList();
        double[] expected;
        try (Genpipe genpipe = Genpipe.builder().build();
                Scorer scorer = genpipe.scorer("vae-anomaly-scorer", Map.of("method", "combined"));
                Batch b = batch()) {
            expected = scorer.score(b);
        }
        assertEquals(ROWS, out.size());
        for (int r = 0; r < ROWS; r++) {
            assertEquals(r, out.get(r).getLong(0));
            assertEquals(expected[r], out.get(r).getDouble(1), "row " + r);
        }
    }

    @Test
    void encodingsEqualTheComponentCalledLocally() {
        List<Row> out = new GenpipeTransformer()
                .setComponent("vae-encoder")
                .setInputCol("pixels")
                .setOutputCol("z")
                .transform(images)
                .select("z")
                .collectAsList();
        float[] expected;
        try (Genpipe genpipe = Genpipe.builder().build();
                Encoder encoder = genpipe.encoder("vae-encoder", Map.of());
                Batch b = batch();
                Batch z = encoder.encode(b)) {
            expected = z.column(encoder.outputs().get(0).name()).toFloatArray();
        }
        int width = expected.length / ROWS;
        for (int r = 0; r < ROWS; r++) {
            List<Float> got = out.get(r).getList(0);
            float[] row = new float[got.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = got.get(i);
            }
            float[] want = new float[width];
            System.arraycopy(expected, r * width, want, 0, width);
            assertArrayEquals(want, row, "row " + r);
        }
    }

    @Test
    void generatedImagesEqualTheGeneratorCalledLocally() {
        // 300 noise vectors with a class each, in 3 partitions: the GAN's images, row by row
        int n = 300;
        Random random = new Random(5);
        float[] z = new float[n * 100];
        List<Row> rows = new ArrayList<>();
        List<RowMeta> meta = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            List<Double> v = new ArrayList<>(100);
            for (int i = 0; i < 100; i++) {
                z[r * 100 + i] = (float) random.nextGaussian();
                v.add((double) z[r * 100 + i]);
            }
            rows.add(RowFactory.create(
                    (long) r, r % 10, CollectionConverters.asScala(v).toSeq()));
            meta.add(new RowMeta(Long.toString(r), r % 10, "spark", null, Map.of()));
        }
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, false)
                .add("label", DataTypes.IntegerType, false)
                .add("z", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
        Dataset<Row> noise = session.createDataFrame(
                JavaSparkContext.fromSparkContext(session.sparkContext()).parallelize(rows, 3), schema);
        List<Row> out = new GenpipeTransformer()
                .setComponent("gan-generator")
                .setInputCol("z")
                .setLabelCol("label")
                .setIdCol("id")
                .setOutputCol("image")
                .setBatchSize(64)
                .transform(noise)
                .select("image")
                .collectAsList();
        float[] expected;
        try (Genpipe genpipe = Genpipe.builder().build();
                Generator gan = genpipe.generator("gan-generator", Map.of());
                Batch b = Batch.builder(n)
                        .meta(meta)
                        .column("z", BufferTensor.ofFloats(z, n, 100))
                        .build();
                Batch images = gan.generate(b, new RandomSource(0).fork("gan-generator"))) {
            expected = images.column("image").toFloatArray();
        }
        assertEquals(n, out.size());
        for (int r = 0; r < n; r++) {
            List<Float> got = out.get(r).getList(0);
            assertEquals(784, got.size());
            for (int i = 0; i < 784; i++) {
                assertEquals(expected[r * 784 + i], got.get(i), "row " + r + " pixel " + i);
            }
        }
        IllegalArgumentException label = Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new GenpipeTransformer()
                        .setComponent("gan-generator")
                        .setInputCol("z")
                        .setLabelCol("z")
                        .transform(noise));
        assertEquals("labelCol 'z' is array<double>; a label is an integer (int or bigint)", label.getMessage());
    }

    @Test
    void wrongColumnsAreNamed() {
        IllegalArgumentException missing = Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new GenpipeTransformer()
                        .setComponent("vae-anomaly-scorer")
                        .setInputCol("image")
                        .transform(images));
        assertEquals("input column 'image' is not in the DataFrame; its columns: id, pixels", missing.getMessage());
        IllegalArgumentException type = Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new GenpipeTransformer()
                        .setComponent("vae-anomaly-scorer")
                        .setInputCol("id")
                        .transform(images));
        assertTrue(type.getMessage().startsWith("input column 'id' is bigint;"), type.getMessage());
        IllegalArgumentException unknown = Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new GenpipeTransformer()
                        .setComponent("vae-scorer")
                        .setInputCol("pixels")
                        .transform(images));
        assertTrue(
                unknown.getMessage().startsWith("no scorer, encoder or generator named 'vae-scorer'"),
                unknown.getMessage());
    }

    private static Batch batch() {
        return Batch.builder(ROWS)
                .column("image", BufferTensor.ofFloats(pixels, ROWS, 1, 28, 28))
                .build();
    }
}
