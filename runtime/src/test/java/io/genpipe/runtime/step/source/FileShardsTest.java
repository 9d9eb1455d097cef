package io.genpipe.runtime.step.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genpipe.api.RandomSource;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.RowMeta;
import io.genpipe.runtime.io.Wav;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.ShardedSource;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepHarness;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folder sources read in shards (consecutive files, as Spark's tasks read them) give the rows of the whole folder:
 * the same ids, in order, and the same values, at every number of shards.
 */
class FileShardsTest {

    @TempDir
    Path dir;

    @Test
    void pngShardsGiveTheFoldersRows() throws Exception {
        Path folder = dir.resolve("png");
        Files.createDirectories(folder);
        Random random = new Random(3);
        for (int i = 0; i < 11; i++) {
            BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    int v = random.nextInt(256);
                    img.getRaster().setSample(x, y, 0, v);
                }
            }
            ImageIO.write(
                    img, "png", folder.resolve(String.format("img-%02d.png", i)).toFile());
        }
        check(PngSource.definition(), Map.of("folder", folder.toString(), "label", 4L), "image", 11);
    }

    @Test
    void wavShardsGiveTheFoldersRows() throws Exception {
        Path folder = dir.resolve("wav");
        Files.createDirectories(folder);
        Random random = new Random(5);
        for (int i = 0; i < 9; i++) {
            float[] samples = new float[100 + 37 * i];
            for (int t = 0; t < samples.length; t++) {
                samples[t] = (float) (random.nextGaussian() * 0.1);
            }
            Wav.write(folder.resolve(String.format("clip-%02d.wav", i)), samples, 0, samples.length, 8000);
        }
        check(WavSource.definition(), Map.of("folder", folder.toString()), "audio", 9);
    }

    private void check(BuiltinStep definition, Map<String, Object> parameters, String column, int rows)
            throws Exception {
        StepHarness harness = StepHarness.of(definition, parameters, dir).batchSize(4);
        List<RowMeta> expectedMeta = new ArrayList<>();
        List<Float> expected = new ArrayList<>();
        try (StepHarness.Result whole = harness.run()) {
            for (Batch b : whole.outputs()) {
                expectedMeta.addAll(b.meta());
                for (float v : b.column(column).toFloatArray()) {
                    expected.add(v);
                }
            }
        }
        assertEquals(rows, expectedMeta.size());
        Step step = harness.step();
        ShardedSource source = step.sharded().orElseThrow();
        for (int splits : new int[] {1, 2, 3, 50}) {
            List<ShardedSource.Shard> shards = source.shards(splits);
            assertEquals(Math.min(splits, rows), shards.size(), splits + " splits");
            List<RowMeta> meta = new ArrayList<>();
            List<Float> values = new ArrayList<>();
            for (ShardedSource.Shard shard : shards) {
                source.read(
                        shard,
                        b -> {
                            try (b) {
                                meta.addAll(b.meta());
                                for (float v : b.column(column).toFloatArray()) {
                                    values.add(v);
                                }
                            }
                        },
                        context());
            }
            assertEquals(expectedMeta, meta, splits + " splits");
            float[] want = new float[expected.size()];
            float[] got = new float[values.size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = expected.get(i);
            }
            for (int i = 0; i < got.length; i++) {
                got[i] = values.get(i);
            }
            assertArrayEquals(want, got, splits + " splits");
        }
    }

    private StepContext context() {
        return new StepContext() {
            @Override
            public String stepId() {
                return "s";
            }

            @Override
            public Path pipelineFolder() {
                return dir;
            }

            @Override
            public Path outputFolder() {
                return dir;
            }

            @Override
            public int batchSize() {
                return 4;
            }

            @Override
            public RandomSource random() {
                return new RandomSource(1);
            }

            @Override
            public void metric(String group, String key, Object value) {}

            @Override
            public Map<String, Object> metrics() {
                return Map.of();
            }

            @Override
            public void publish(String name, Object value) {}

            @Override
            public Object side(String producer, String name) {
                return null;
            }
        };
    }
}
