package io.genpipe.spark;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.genpipe.api.Component;
import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Role;
import io.genpipe.api.Scorer;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.Dim;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.data.Tensor;
import io.genpipe.runtime.Genpipe;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A genpipe component as a Spark ML {@link Transformer}: scores, encodes or generates from a DataFrame column, batch by
 * batch in each
 * partition, with one ONNX Runtime session per model per executor (the executor's genpipe runtime, closed when the
 * executor ends). The input column holds each row's input flattened — an ML {@code Vector}, or an array of floats or
 * doubles — shaped to the component's input port ({@code inputShape} where the port's sizes are not fixed); a scorer
 * adds a double column, an encoder or a generator an array of floats (its first output, flattened: a generated
 * image's pixels). A generator's rows may take their class from an integer column ({@code labelCol}) and their id
 * from another ({@code idCol}: a generator that draws — a label it is not given, a sampler's noise — draws from
 * {@code seed} forked by the row's id, so the same ids give the same samples however the rows are partitioned;
 * without {@code idCol} a row's id is its position in its partition). Rows keep their order, and each row's value is
 * the component's on that row called locally: components compute each row on its own.
 *
 * <pre>{@code
 * GenpipeTransformer vae = new GenpipeTransformer()
 *         .setComponent("vae-anomaly-scorer")
 *         .setParameters("{\"method\": \"combined\"}")
 *         .setInputCol("pixels")
 *         .setOutputCol("anomaly");
 * Dataset<Row> scored = vae.transform(images);          // or a stage of an ML Pipeline
 * }</pre>
 */
public final class GenpipeTransformer extends Transformer {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> component;
    private final Param<String> parameters;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> inputShape;
    private final IntParam batchSize;
    private final Param<String> labelCol;
    private final Param<String> idCol;
    private final LongParam seed;

    public GenpipeTransformer() {
        this(Identifiable$.MODULE$.randomUID("genpipe"));
    }

    public GenpipeTransformer(String uid) {
        this.uid = uid;
        component = new Param<>(
                this, "component", "the genpipe scorer, encoder or generator to call, e.g. vae-anomaly-scorer");
        parameters = new Param<>(this, "parameters", "the component's parameters as a JSON object");
        inputCol = new Param<>(this, "inputCol", "the column of inputs: an ML Vector or an array of numbers per row");
        outputCol = new Param<>(
                this, "outputCol", "the column added: a score (double), or an encoding or a generated sample (floats)");
        inputShape = new Param<>(
                this, "inputShape", "each row's input shape, e.g. 1,28,28, where the port's sizes are not fixed");
        batchSize = new IntParam(this, "batchSize", "rows per call of the component");
        labelCol = new Param<>(this, "labelCol", "an integer column: each row's class (a generator's condition)");
        idCol = new Param<>(this, "idCol", "a column naming each row (a generator draws from seed forked by it)");
        seed = new LongParam(this, "seed", "the seed a generator draws from");
        setDefault(labelCol, "");
        setDefault(idCol, "");
        setDefault(seed, 0L);
        setDefault(parameters, "{}");
        setDefault(inputCol, "features");
        setDefault(outputCol, "output");
        setDefault(inputShape, "");
        setDefault(batchSize, 256);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> component() {
        return component;
    }

    public Param<String> parameters() {
        return parameters;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> inputShape() {
        return inputShape;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public LongParam seed() {
        return seed;
    }

    public GenpipeTransformer setLabelCol(String value) {
        set(labelCol, value);
        return this;
    }

    public GenpipeTransformer setIdCol(String value) {
        set(idCol, value);
        return this;
    }

    public GenpipeTransformer setSeed(long value) {
        set(seed, value);
        return this;
    }

    public GenpipeTransformer setComponent(String value) {
        set(component, value);
        return this;
    }

    public GenpipeTransformer setParameters(String json) {
        set(parameters, json);
        return this;
    }

    public GenpipeTransformer setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    public GenpipeTransformer setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    public GenpipeTransformer setInputShape(String value) {
        set(inputShape, value);
        return this;
    }

    public GenpipeTransformer setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(component) || $(component).isBlank()) {
            throw new IllegalArgumentException("GenpipeTransformer needs a component (setComponent)");
        }
        String in = $(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(in)) {
            throw new IllegalArgumentException("input column '" + in + "' is not in the DataFrame; its columns: "
                    + String.join(", ", schema.fieldNames()));
        }
        DataType type = schema.apply(in).dataType();
        boolean numbers = type instanceof ArrayType a
                && (a.elementType().equals(DataTypes.FloatType)
                        || a.elementType().equals(DataTypes.DoubleType));
        if (!numbers && !type.typeName().equals("vector")) {
            throw new IllegalArgumentException("input column '" + in + "' is " + type.simpleString()
                    + "; GenpipeTransformer reads an ML Vector or an array of floats or doubles per row");
        }
        for (Param<String> named : List.of(labelCol, idCol)) {
            String c = $(named);
            if (!c.isEmpty() && !Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException(named.name() + " '" + c + "' is not in the DataFrame; its columns: "
                        + String.join(", ", schema.fieldNames()));
            }
        }
        if (!$(labelCol).isEmpty()) {
            DataType label = schema.apply($(labelCol)).dataType();
            if (!label.equals(DataTypes.IntegerType) && !label.equals(DataTypes.LongType)) {
                throw new IllegalArgumentException("labelCol '" + $(labelCol) + "' is " + label.simpleString()
                        + "; a label is an integer (int or bigint)");
            }
        }
        if (Arrays.asList(schema.fieldNames()).contains($(outputCol))) {
            throw new IllegalArgumentException("output column '" + $(outputCol) + "' is already in the DataFrame");
        }
        Role role = Call.role($(component));
        DataType out =
                role == Role.SCORER ? DataTypes.DoubleType : DataTypes.createArrayType(DataTypes.FloatType, false);
        return schema.add(new StructField($(outputCol), out, false, Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int threads = dataset.sparkSession().sparkContext().getConf().getInt("spark.task.cpus", 1);
        Call call = new Call(
                $(component),
                $(parameters),
                dataset.schema().fieldIndex($(inputCol)),
                $(inputShape),
                (Integer) $(batchSize),
                threads,
                $(labelCol).isEmpty() ? -1 : dataset.schema().fieldIndex($(labelCol)),
                $(idCol).isEmpty() ? -1 : dataset.schema().fieldIndex($(idCol)),
                (Long) $(seed));
        return dataset.toDF().mapPartitions(call, Encoders.row(out));
    }

    @Override
    public GenpipeTransformer copy(ParamMap extra) {
        return (GenpipeTransformer) defaultCopy(extra);
    }

    /** What runs in each partition: the component called on batches of the partition's rows, in order. */
    private record Call(
            String component,
            String parameters,
            int column,
            String shape,
            int batchSize,
            int threads,
            int labelColumn,
            int idColumn,
            long seed)
            implements MapPartitionsFunction<Row, Row> {

        /** The role of the component named {@code name} among the class path's families. */
        static Role role(String name) {
            Genpipe genpipe = ExecutorRuntime.components(1);
            for (Role r : List.of(Role.SCORER, Role.ENCODER, Role.GENERATOR)) {
                if (genpipe.components()
                        .find(name)
                        .filter(f -> f.factory().role() == r)
                        .isPresent()) {
                    return r;
                }
            }
            throw new IllegalArgumentException("no scorer, encoder or generator named '" + name
                    + "' (GenpipeTransformer calls scorers, encoders and generators of the model families on the class"
                    + " path)");
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) throws IOException {
            Map<String, Object> values =
                    new ObjectMapper().readValue(parameters, new TypeReference<LinkedHashMap<String, Object>>() {});
            Genpipe genpipe = ExecutorRuntime.components(threads);
            Role role = role(component);
            Component c = genpipe.create(role, component, values);
            long[] rowShape = rowShape(c.inputs().get(0));
            int width = (int) Arrays.stream(rowShape).reduce(1, Math::multiplyExact);
            RandomSource random = new RandomSource(seed).fork(component);
            return new Iterator<>() {
                private final List<Row> ready = new ArrayList<>();
                private int next;
                private long position;

                @Override
                public boolean hasNext() {
                    if (next < ready.size()) {
                        return true;
                    }
                    ready.clear();
                    next = 0;
                    if (!rows.hasNext()) {
                        c.close();
                        return false;
                    }
                    List<Row> in = new ArrayList<>(batchSize);
                    while (in.size() < batchSize && rows.hasNext()) {
                        in.add(rows.next());
                    }
                    float[] x = new float[in.size() * width];
                    for (int r = 0; r < in.size(); r++) {
                        fill(in.get(r), x, r * width, width);
                    }
                    long[] shape = new long[rowShape.length + 1];
                    shape[0] = in.size();
                    System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
                    List<RowMeta> meta = new ArrayList<>(in.size());
                    for (Row row : in) {
                        String id = idColumn >= 0 ? String.valueOf(row.get(idColumn)) : "row-" + position;
                        Integer label = labelColumn < 0 || row.isNullAt(labelColumn)
                                ? null
                                : Math.toIntExact(((Number) row.get(labelColumn)).longValue());
                        meta.add(new RowMeta(id, label, "spark", null, Map.of()));
                        position++;
                    }
                    try (Batch b = Batch.builder(in.size())
                            .meta(meta)
                            .column(c.inputs().get(0).name(), BufferTensor.ofFloats(x, shape))
                            .build()) {
                        if (c instanceof Generator g) {
                            try (Batch made = g.generate(b, random)) {
                                addFloats(made.column(c.outputs().get(0).name()), in);
                            }
                        } else if (c instanceof Scorer s) {
                            double[] scores = s.score(b);
                            for (int r = 0; r < in.size(); r++) {
                                ready.add(with(in.get(r), scores[r]));
                            }
                        } else {
                            try (Batch encoded = ((Encoder) c).encode(b)) {
                                addFloats(encoded.column(c.outputs().get(0).name()), in);
                            }
                        }
                    }
                    return true;
                }

                /** Each row's part of {@code t}, flattened, as the rows' new column. */
                private void addFloats(Tensor t, List<Row> in) {
                    float[] all = t.toFloatArray();
                    int w = all.length / in.size();
                    for (int r = 0; r < in.size(); r++) {
                        List<Float> v = new ArrayList<>(w);
                        for (int i = 0; i < w; i++) {
                            v.add(all[r * w + i]);
                        }
                        ready.add(
                                with(in.get(r), CollectionConverters.asScala(v).toSeq()));
                    }
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return ready.get(next++);
                }
            };
        }

        private long[] rowShape(PortSpec port) {
            if (!shape.isBlank()) {
                return Arrays.stream(shape.split(","))
                        .mapToLong(s -> Long.parseLong(s.trim()))
                        .toArray();
            }
            List<Dim> dims = port.shape().subList(1, port.shape().size());
            long[] sizes = new long[dims.size()];
            for (int i = 0; i < sizes.length; i++) {
                if (!dims.get(i).isFixed()) {
                    throw new GenpipeException(component + "'s input " + port + " has sizes that are not fixed; set"
                            + " inputShape (each row's shape, e.g. 1,28,28)");
                }
                sizes[i] = dims.get(i).size();
            }
            return sizes;
        }

        private void fill(Row row, float[] x, int at, int width) {
            Object v = row.get(column);
            int n;
            if (v instanceof Vector vector) {
                n = vector.size();
                if (n == width) {
                    for (int i = 0; i < n; i++) {
                        x[at + i] = (float) vector.apply(i);
                    }
                }
            } else {
                List<Object> list = row.getList(column);
                n = list.size();
                if (n == width) {
                    for (int i = 0; i < n; i++) {
                        x[at + i] = ((Number) list.get(i)).floatValue();
                    }
                }
            }
            if (n != width) {
                throw new GenpipeException(
                        "a row's input has " + n + " values; " + component + " takes " + width + " per row");
            }
        }

        private static Row with(Row row, Object value) {
            Object[] values = new Object[row.length() + 1];
            for (int i = 0; i < row.length(); i++) {
                values[i] = row.get(i);
            }
            values[row.length()] = value;
            return RowFactory.create(values);
        }
    }
}
