package io.genpipe.runtime.step.source;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Png;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.ShardedSource;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The {@code png-source} built-in step: grayscale images from a folder of PNG files, sorted by name, as float32[batch,1,h,w] in [0, 1].
 */
public final class PngSource {

    private PngSource() {}

    /** The largest width or height read: a bigger image is refused from its header, before decoding. */
    static final int MAX_SIDE = 4096;

    private static BufferedImage read(Path file) {
        checkSize(file);
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new GenpipeException(file + " is not a readable PNG");
            }
            return img;
        } catch (IOException e) {
            throw new GenpipeException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Reads only the header's width and height, and refuses an image above {@link #MAX_SIDE}. */
    private static void checkSize(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new GenpipeException(file + " is not a readable PNG");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w > MAX_SIDE || h > MAX_SIDE) {
                    throw new GenpipeException(file + " is " + w + "x" + h + " pixels; png-source reads images up to "
                            + MAX_SIDE + " pixels a side");
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new GenpipeException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * A list of {@code n} files cut into about {@code splits} shards of consecutive files (at least one file each),
     * each naming {@code location} and its range of the sorted list.
     */
    static List<ShardedSource.Shard> ranges(String location, int n, int splits) {
        int parts = Math.max(1, Math.min(n, splits));
        List<ShardedSource.Shard> shards = new ArrayList<>();
        for (int k = 0; k < parts; k++) {
            long first = (long) n * k / parts;
            long end = (long) n * (k + 1) / parts;
            shards.add(new ShardedSource.Shard(k, location, first, end - first));
        }
        return shards;
    }

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "png-source",
                StepCategory.SOURCE,
                "grayscale images from a folder of PNG files (sorted by name) as float32[batch,1,h,w] in [0, 1]; all the same size",
                List.of(
                        ParameterSpec.required("folder", ParameterType.PATH, "folder of .png files"),
                        ParameterSpec.optional("label", ParameterType.INTEGER, null, "label for every row")),
                0,
                0,
                (p, folder) -> {
                    Path dir = p.getPath("folder");
                    List<Path> files = new ArrayList<>();
                    try (DirectoryStream<Path> list = Files.newDirectoryStream(dir, "*.png")) {
                        list.forEach(files::add);
                    } catch (IOException e) {
                        throw new GenpipeException("folder: " + dir + " cannot be listed (" + e.getMessage() + ")");
                    }
                    if (files.isEmpty()) {
                        throw new GenpipeException("folder: " + dir + " holds no .png files");
                    }
                    files.sort(null);
                    BufferedImage first = read(files.get(0));
                    int h = first.getHeight();
                    int w = first.getWidth();
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            return List.of(PortSpec.of("image", DType.FLOAT32, "batch", 1, h, w));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            emit(0, files.size(), output, context);
                        }

                        @Override
                        public Optional<ShardedSource> sharded() {
                            return Optional.of(new ShardedSource() {
                                @Override
                                public List<Shard> shards(int splits) {
                                    return ranges(dir.toString(), files.size(), splits);
                                }

                                @Override
                                public void read(Shard shard, BatchOutput output, StepContext context)
                                        throws InterruptedException {
                                    emit((int) shard.first(), (int) (shard.first() + shard.count()), output, context);
                                }
                            });
                        }

                        /** The images of files [from, to), in batches. */
                        private void emit(int start, int end, BatchOutput output, StepContext context)
                                throws InterruptedException {
                            for (int from = start; from < end; from += context.batchSize()) {
                                int to = Math.min(end, from + context.batchSize());
                                float[] pixels = new float[(to - from) * h * w];
                                List<RowMeta> meta = new ArrayList<>();
                                for (int i = from; i < to; i++) {
                                    BufferedImage img = read(files.get(i));
                                    if (img.getHeight() != h || img.getWidth() != w) {
                                        throw new GenpipeException(files.get(i) + " is " + img.getWidth() + "x"
                                                + img.getHeight() + "; the folder's images must all be " + w + "x" + h);
                                    }
                                    Png.toGray(img, pixels, (i - from) * h * w);
                                    RowMeta m = RowMeta.of(
                                                    files.get(i).getFileName().toString())
                                            .withSource(dir.toString());
                                    meta.add(p.has("label") ? m.withLabel(p.getInt("label")) : m);
                                }
                                output.emit(Batch.builder(to - from)
                                        .meta(meta)
                                        .column("image", BufferTensor.ofFloats(pixels, to - from, 1, h, w))
                                        .build());
                            }
                        }
                    };
                });
    }
}
