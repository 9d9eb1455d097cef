package io.genpipe.runtime.step.source;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.api.spi.Parameters;
import io.genpipe.api.text.TextRows;
import io.genpipe.runtime.io.Storages;
import io.genpipe.runtime.step.BatchInput;
import io.genpipe.runtime.step.BatchOutput;
import io.genpipe.runtime.step.ShardedSource;
import io.genpipe.runtime.step.Step;
import io.genpipe.runtime.step.StepContext;
import io.genpipe.runtime.step.StepInput;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** What csv-source and jsonl-source share: records parsed one by one, batched into rows. */
final class RecordSource {

    private RecordSource() {}

    /** One parsed record: id, label, numeric values, text. */
    record ParsedRecord(String id, Integer label, float[] values, String text) {}

    /** Streams records as batches; the reader is opened when the step runs. */
    interface Reader {
        ParsedRecord next(int index) throws IOException;

        void close() throws IOException;
    }

    /** Opens one file of the source. */
    interface Opener {
        Reader open(String file) throws IOException;
    }

    /**
     * A source of records read from {@code files} in order, one shard per file. Rows without an id field are
     * named {@code <step>-<n>}, n counting the file's records (with more than one file: {@code <step>-<file>-<n>}).
     */
    static Step step(String column, int width, List<String> files, Opener opener) {
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
                readFile(prefix, column, width, opener.open(shard.location()), output, context);
            }
        };
        return new Step() {
            @Override
            public List<PortSpec> outputs(List<StepInput> inputs) {
                return width == 0 ? List.of() : List.of(PortSpec.of(column, DType.FLOAT32, "batch", width));
            }

            @Override
            public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                for (ShardedSource.Shard shard : shards.shards(1)) {
                    shards.read(shard, output, context);
                }
            }

            @Override
            public Optional<ShardedSource> sharded() {
                return Optional.of(shards);
            }
        };
    }

    private static void readFile(
            String idPrefix, String column, int width, Reader reader, BatchOutput output, StepContext context)
            throws Exception {
        try {
            int index = 0;
            while (true) {
                List<ParsedRecord> records = new ArrayList<>();
                ParsedRecord r;
                while (records.size() < context.batchSize() && (r = reader.next(index)) != null) {
                    records.add(r);
                    index++;
                }
                if (records.isEmpty()) {
                    return;
                }
                List<RowMeta> meta = new ArrayList<>();
                float[] values = new float[records.size() * width];
                for (int i = 0; i < records.size(); i++) {
                    ParsedRecord rec = records.get(i);
                    Map<String, String> tags = rec.text() == null ? Map.of() : Map.of(TextRows.TEXT, rec.text());
                    meta.add(new RowMeta(
                            rec.id() != null ? rec.id() : idPrefix + (index - records.size() + i),
                            rec.label(),
                            context.stepId(),
                            null,
                            tags));
                    if (width > 0) {
                        System.arraycopy(rec.values(), 0, values, i * width, width);
                    }
                }
                Batch.Builder b = Batch.builder(records.size()).meta(meta);
                if (width > 0) {
                    b.column(column, BufferTensor.ofFloats(values, records.size(), width));
                }
                output.emit(b.build());
                if (records.size() < context.batchSize()) {
                    return;
                }
            }
        } finally {
            reader.close();
        }
    }

    /** A reader of a text file's lines, from any storage. */
    static BufferedReader lines(String file) throws IOException {
        return new BufferedReader(new InputStreamReader(Storages.open(file), StandardCharsets.UTF_8), 1 << 16);
    }

    static final List<ParameterSpec> FIELDS = List.of(
            ParameterSpec.optional(
                    "values", ParameterType.STRING_LIST, null, "numeric fields packed into one column, in order"),
            ParameterSpec.optional("column", ParameterType.STRING, "x", "name of that column"),
            ParameterSpec.optional("label", ParameterType.STRING, null, "field holding an integer label"),
            ParameterSpec.optional("id", ParameterType.STRING, null, "field holding the row id (default <step>-<n>)"),
            ParameterSpec.optional(
                    "text", ParameterType.STRING, null, "field holding a text, kept as the row's text tag"));

    /** Which fields are what, checked against a CSV header when there is one. */
    static final class Fields {
        final String[] values;
        final String label;
        final String id;
        final String text;

        private Fields(String[] values, String label, String id, String text) {
            this.values = values;
            this.label = label;
            this.id = id;
            this.text = text;
        }

        static Fields of(Parameters p, List<String> header, String file) {
            String[] values = p.has("values") ? p.getStringList("values").toArray(new String[0]) : new String[0];
            String label = p.findString("label").orElse(null);
            String id = p.findString("id").orElse(null);
            String text = p.findString("text").orElse(null);
            if (header != null) {
                List<String> wanted = new ArrayList<>(List.of(values));
                for (String f : new String[] {label, id, text}) {
                    if (f != null) {
                        wanted.add(f);
                    }
                }
                for (String w : wanted) {
                    if (!header.contains(w)) {
                        throw new GenpipeException(
                                "file: " + file + " has no column '" + w + "'; its header: " + header);
                    }
                }
            }
            return new Fields(values, label, id, text);
        }

        ParsedRecord record(Function<String, String> get, String where) {
            float[] v = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                String cell = get.apply(values[i]);
                try {
                    v[i] = Float.parseFloat(cell == null ? "" : cell.trim());
                } catch (NumberFormatException e) {
                    throw new GenpipeException(where + ": field '" + values[i] + "' is "
                            + (cell == null ? "missing" : "'" + cell + "'") + ", not a number");
                }
            }
            Integer l = null;
            if (label != null) {
                String cell = get.apply(label);
                try {
                    l = Integer.parseInt(cell == null ? "" : cell.trim());
                } catch (NumberFormatException e) {
                    throw new GenpipeException(where + ": label field '" + label + "' is "
                            + (cell == null ? "missing" : "'" + cell + "'") + ", not an integer");
                }
            }
            return new ParsedRecord(id == null ? null : get.apply(id), l, v, text == null ? null : get.apply(text));
        }
    }
}
