package io.genpipe.spark;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Storages;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.OutputPaths;
import io.genpipe.runtime.step.ShardedSource;
import io.genpipe.runtime.step.SinkStep;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepCategory;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import io.genpipe.runtime.step.StepProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * {@code parquet-source} and {@code parquet-sink}: rows as Parquet, the format Spark users' data already is. A row
 * is its metadata ({@code id}, {@code label}, {@code source}, {@code score}, {@code tags} as a map) and its columns:
 * one number per row as a double (or a long for integer columns), a tensor per row as a list of floats, flattened
 * (an image, an encoding). Spark reads the sink's file as {@code id: string, label: int, ..., image:
 * array<float>}; the source reads such files — genpipe's or Spark's — one shard per file, through Hadoop's
 * FileSystem for URIs. Built into genpipe-spark (they need Parquet and Hadoop): on the Spark engine, or for an
 * embedder with genpipe-spark and Spark on the class path.
 */
public final class ParquetSteps implements StepProvider {

    private static final List<String> META = List.of("id", "label", "source", "score", "tags");

    @Override
    public List<BuiltinStep> steps() {
        return List.of(source(), sink());
    }

    /** A column's name in the file: a metadata field's name gets a prefix, as csv-sink does. */
    private static String field(String column, DType dtype) {
        return META.contains(column) ? (dtype == DType.FLOAT64 ? "scores." : "column.") + column : column;
    }

    static BuiltinStep sink() {
        return new BuiltinStep(
                        "parquet-sink",
                        StepCategory.SINK,
                        "a Parquet file: id, label, source, score, tags (a map) and every column (one number per row"
                                + " as a double or long, a tensor per row as a list of floats, flattened)",
                        List.of(ParameterSpec.optional(
                                "file", ParameterType.STRING, null, "file name (default <step>.parquet)")),
                        1,
                        1,
                        (p, folder) -> new SinkStep() {
                            private volatile List<PortSpec> declared = List.of();

                            @Override
                            protected void inputColumns(List<PortSpec> columns) {
                                declared = columns;
                            }

                            @Override
                            public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                    throws Exception {
                                Path file = OutputPaths.resolve(
                                        context.outputFolder(),
                                        p.findString("file").orElse(context.stepId() + ".parquet"));
                                MessageType schema = schema(declared);
                                SimpleGroupFactory groups = new SimpleGroupFactory(schema);
                                Files.deleteIfExists(file);
                                try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file))
                                        .withType(schema)
                                        .withCompressionCodec(CompressionCodecName.SNAPPY)
                                        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                                        .build()) {
                                    for (Batch next = inputs.get(0).next();
                                            next != null;
                                            next = inputs.get(0).next()) {
                                        try (Batch b = next) {
                                            write(b, declared, groups, w);
                                        }
                                    }
                                } catch (IOException e) {
                                    throw new GenpipeException(
                                            "cannot write "
                                                    + context.outputFolder().relativize(file) + ": " + e.getMessage(),
                                            e);
                                }
                            }
                        })
                .writes("file");
    }

    private static MessageType schema(List<PortSpec> columns) {
        Types.MessageTypeBuilder m = Types.buildMessage();
        m.required(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named("id");
        m.optional(PrimitiveTypeName.INT32).named("label");
        m.optional(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named("source");
        m.optional(PrimitiveTypeName.DOUBLE).named("score");
        m.addField(Types.optionalGroup()
                .as(LogicalTypeAnnotation.mapType())
                .addField(Types.repeatedGroup()
                        .addField(Types.required(PrimitiveTypeName.BINARY)
                                .as(LogicalTypeAnnotation.stringType())
                                .named("key"))
                        .addField(Types.optional(PrimitiveTypeName.BINARY)
                                .as(LogicalTypeAnnotation.stringType())
                                .named("value"))
                        .named("key_value"))
                .named("tags"));
        for (PortSpec c : columns) {
            String name = field(c.name(), c.dtype());
            if (c.rank() == 1) {
                boolean whole = c.dtype() != DType.FLOAT32 && c.dtype() != DType.FLOAT64;
                m.optional(whole ? PrimitiveTypeName.INT64 : PrimitiveTypeName.DOUBLE)
                        .named(name);
            } else {
                m.addField(Types.optionalGroup()
                        .as(LogicalTypeAnnotation.listType())
                        .addField(Types.repeatedGroup()
                                .addField(
                                        Types.required(PrimitiveTypeName.FLOAT).named("element"))
                                .named("list"))
                        .named(name));
            }
        }
        return m.named("genpipe");
    }

    private static void write(Batch b, List<PortSpec> columns, SimpleGroupFactory groups, ParquetWriter<Group> w)
            throws IOException {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, double[]> scalars = new LinkedHashMap<>();
        for (PortSpec c : columns) {
            Tensor t = b.column(c.name());
            if (c.rank() == 1) {
                scalars.put(c.name(), t.toDoubleArray());
            } else {
                tensors.put(c.name(), t.toFloatArray());
            }
        }
        for (int r = 0; r < b.rows(); r++) {
            RowMeta m = b.meta(r);
            Group g = groups.newGroup().append("id", m.id());
            if (m.label() != null) {
                g.append("label", m.label());
            }
            if (m.source() != null) {
                g.append("source", m.source());
            }
            if (m.score() != null) {
                g.append("score", m.score());
            }
            if (!m.tags().isEmpty()) {
                Group tags = g.addGroup("tags");
                for (Map.Entry<String, String> e : new TreeMap<>(m.tags()).entrySet()) {
                    Group kv = tags.addGroup("key_value").append("key", e.getKey());
                    if (e.getValue() != null) {
                        kv.append("value", e.getValue());
                    }
                }
            }
            for (PortSpec c : columns) {
                String name = field(c.name(), c.dtype());
                if (c.rank() == 1) {
                    double v = scalars.get(c.name())[r];
                    boolean whole = c.dtype() != DType.FLOAT32 && c.dtype() != DType.FLOAT64;
                    if (whole) {
                        g.append(name, (long) v);
                    } else {
                        g.append(name, v);
                    }
                } else {
                    float[] all = tensors.get(c.name());
                    int width = all.length / b.rows();
                    Group list = g.addGroup(name);
                    for (int i = 0; i < width; i++) {
                        list.addGroup("list").append("element", all[r * width + i]);
                    }
                }
            }
            w.write(g);
        }
    }

    static BuiltinStep source() {
        return new BuiltinStep(
                "parquet-source",
                StepCategory.SOURCE,
                "rows from Parquet files (genpipe's or Spark's): id, label, source, score and tags when the files"
                        + " have them, and one list-of-numbers column as a float32 tensor",
                List.of(
                        ParameterSpec.required(
                                "file",
                                ParameterType.LOCATIONS,
                                "Parquet file(s); a glob or list reads shards, in order (URIs on the Spark engine)"),
                        ParameterSpec.optional(
                                "column", ParameterType.STRING, null, "a list-of-numbers column to read as a tensor"),
                        ParameterSpec.optional(
                                "shape",
                                ParameterType.STRING_LIST,
                                null,
                                "each row's tensor shape, e.g. [1, 28, 28] (default: the list's length)")),
                0,
                0,
                (p, folder) -> {
                    List<String> files = Storages.files("file", p.getLocations("file"));
                    String column = p.findString("column").orElse(null);
                    long[] shape;
                    if (p.has("shape")) {
                        shape = p.getStringList("shape").stream()
                                .mapToLong(Long::parseLong)
                                .toArray();
                    } else if (column != null) {
                        shape = new long[] {firstLength(files.get(0), column)};
                    } else {
                        shape = null;
                    }
                    ShardedSource shards = new ShardedSource() {
                        @Override
                        public List<Shard> shards(int splits) {
                            List<Shard> list = new ArrayList<>();
                            for (int i = 0; i < files.size(); i++) {
                                list.add(new Shard(i, files.get(i), 0, -1));
                            }
                            return list;
                        }

                        @Override
                        public void read(Shard shard, BatchOutput output, StepContext context) throws Exception {
                            String prefix = context.stepId() + "-" + (files.size() > 1 ? shard.index() + "-" : "");
                            readFile(shard.location(), prefix, column, shape, output, context);
                        }
                    };
                    return new Step() {
                        @Override
                        public List<PortSpec> outputs(List<StepInput> inputs) {
                            if (column == null) {
                                return List.of();
                            }
                            Object[] dims = new Object[shape.length + 1];
                            dims[0] = "batch";
                            for (int i = 0; i < shape.length; i++) {
                                dims[i + 1] = shape[i];
                            }
                            return List.of(PortSpec.of(column, DType.FLOAT32, dims));
                        }

                        @Override
                        public void run(List<BatchInput> inputs, BatchOutput output, StepContext context)
                                throws Exception {
                            for (ShardedSource.Shard s : shards.shards(1)) {
                                shards.read(s, output, context);
                            }
                        }

                        @Override
                        public Optional<ShardedSource> sharded() {
                            return Optional.of(shards);
                        }
                    };
                });
    }

    private static InputFile input(String location) throws IOException {
        return Storages.scheme(location) == null
                ? new LocalInputFile(Path.of(location))
                : HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(location), HadoopStorage.configuration());
    }

    private static ParquetReader<Group> reader(String location) throws IOException {
        return new GroupReader(input(location)).build();
    }

    /** A reader of rows as Parquet's example groups, from any input file. */
    private static final class GroupReader extends ParquetReader.Builder<Group> {
        GroupReader(InputFile file) {
            super(file);
        }

        @Override
        protected ReadSupport<Group> getReadSupport() {
            return new GroupReadSupport();
        }
    }

    /** The length of {@code column}'s list in the file's first row. */
    private static long firstLength(String file, String column) {
        try (ParquetReader<Group> r = reader(file)) {
            Group g = r.read();
            if (g == null) {
                throw new GenpipeException("file: " + file + " has no rows; give shape: for column '" + column + "'");
            }
            return values(g, column, file).length;
        } catch (IOException e) {
            throw new GenpipeException("file: " + file + " cannot be read as Parquet: " + e.getMessage(), e);
        }
    }

    /** A row's list of numbers (a LIST of any numeric element). */
    private static float[] values(Group g, String column, String file) {
        GroupType type = g.getType();
        if (!type.containsField(column)) {
            List<String> names = type.getFields().stream().map(Type::getName).toList();
            throw new GenpipeException("file: " + file + " has no column '" + column + "'; its columns: " + names);
        }
        if (g.getFieldRepetitionCount(column) == 0) {
            return new float[0];
        }
        Group list = g.getGroup(column, 0);
        int n = list.getFieldRepetitionCount(0);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            Group item = list.getGroup(0, i);
            PrimitiveTypeName t = item.getType().getType(0).asPrimitiveType().getPrimitiveTypeName();
            out[i] = switch (t) {
                case FLOAT -> item.getFloat(0, 0);
                case DOUBLE -> (float) item.getDouble(0, 0);
                case INT32 -> item.getInteger(0, 0);
                case INT64 -> item.getLong(0, 0);
                default ->
                    throw new GenpipeException(
                            "file: " + file + ": column '" + column + "' holds " + t + ", not numbers");
            };
        }
        return out;
    }

    private static void readFile(
            String file, String idPrefix, String column, long[] shape, BatchOutput output, StepContext context)
            throws Exception {
        int width = shape == null ? 0 : (int) Arrays.stream(shape).reduce(1, Math::multiplyExact);
        try (ParquetReader<Group> r = reader(file)) {
            long n = 0;
            List<RowMeta> meta = new ArrayList<>();
            float[] values = new float[context.batchSize() * width];
            for (Group g = r.read(); ; g = r.read()) {
                if (g != null) {
                    GroupType type = g.getType();
                    String id = has(g, "id") ? g.getString("id", 0) : idPrefix + n;
                    Integer label = has(g, "label") ? g.getInteger("label", 0) : null;
                    String source = has(g, "source") ? g.getString("source", 0) : context.stepId();
                    Double score = has(g, "score") ? g.getDouble("score", 0) : null;
                    Map<String, String> tags = new LinkedHashMap<>();
                    if (type.containsField("tags") && g.getFieldRepetitionCount("tags") > 0) {
                        Group map = g.getGroup("tags", 0);
                        for (int i = 0; i < map.getFieldRepetitionCount(0); i++) {
                            Group kv = map.getGroup(0, i);
                            tags.put(
                                    kv.getString("key", 0),
                                    kv.getFieldRepetitionCount("value") > 0 ? kv.getString("value", 0) : null);
                        }
                    }
                    if (column != null) {
                        float[] v = values(g, column, file);
                        if (v.length != width) {
                            throw new GenpipeException(file + ": row " + id + "'s '" + column + "' has " + v.length
                                    + " values; shape " + Arrays.toString(shape) + " takes " + width);
                        }
                        System.arraycopy(v, 0, values, meta.size() * width, width);
                    }
                    meta.add(new RowMeta(id, label, source, score, tags));
                    n++;
                }
                if (!meta.isEmpty() && (g == null || meta.size() == context.batchSize())) {
                    Batch.Builder b = Batch.builder(meta.size()).meta(meta);
                    if (column != null) {
                        long[] dims = new long[shape.length + 1];
                        dims[0] = meta.size();
                        System.arraycopy(shape, 0, dims, 1, shape.length);
                        b.column(column, BufferTensor.ofFloats(Arrays.copyOf(values, meta.size() * width), dims));
                    }
                    output.emit(b.build());
                    meta = new ArrayList<>();
                }
                if (g == null) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new GenpipeException("file: " + file + " cannot be read as Parquet: " + e.getMessage(), e);
        }
    }

    private static boolean has(Group g, String field) {
        return g.getType().containsField(field) && g.getFieldRepetitionCount(field) > 0;
    }
}
