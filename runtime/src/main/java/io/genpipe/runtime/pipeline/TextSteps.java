package io.genpipe.runtime.pipeline;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.RowMeta;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Row sources from text formats (CSV, JSON lines, plain text lines) and the text sink. Numeric
 * fields become one float32[batch,k] column; a text becomes the row tag {@code text}.
 */
final class TextSteps {

    static final String TEXT = "text";

    private TextSteps() {
    }

    static List<BuiltinStep> all() {
        return List.of(csvSource(), jsonlSource(), textSource(), textSink().writes("file"));
    }

    /** One parsed record: id, label, numeric values, text. */
    private record Record(String id, Integer label, float[] values, String text) {
    }

    /** Streams records as batches; the reader is opened when the step runs. */
    private interface Reader {
        Record next(int index) throws IOException;

        void close() throws IOException;
    }

    private interface Opener {
        Reader open() throws IOException;
    }

    private static Step recordSource(String column, int width, Opener opener) {
        return new Step() {
            @Override
            public List<PortSpec> outputs(List<List<PortSpec>> inputs) {
                return width == 0 ? List.of() : List.of(PortSpec.of(column, DType.FLOAT32, "batch", width));
            }

            @Override
            public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                Reader reader = opener.open();
                try {
                    int index = 0;
                    while (true) {
                        List<Record> records = new ArrayList<>();
                        Record r;
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
                            Record rec = records.get(i);
                            Map<String, String> tags = rec.text() == null ? Map.of() : Map.of(TEXT, rec.text());
                            meta.add(new RowMeta(rec.id() != null ? rec.id() : context.stepId() + "-" + (index - records.size() + i),
                                    rec.label(), context.stepId(), null, tags));
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
        };
    }

    private static final List<ParameterSpec> FIELDS = List.of(
            ParameterSpec.optional("values", ParameterType.STRING_LIST, null, "numeric fields packed into one column, in order"),
            ParameterSpec.optional("column", ParameterType.STRING, "x", "name of that column"),
            ParameterSpec.optional("label", ParameterType.STRING, null, "field holding an integer label"),
            ParameterSpec.optional("id", ParameterType.STRING, null, "field holding the row id (default <step>-<n>)"),
            ParameterSpec.optional("text", ParameterType.STRING, null, "field holding a text, kept as the row's text tag"));

    static BuiltinStep csvSource() {
        List<ParameterSpec> params = new ArrayList<>();
        params.add(ParameterSpec.required("file", ParameterType.PATH, "CSV file with a header row"));
        params.addAll(FIELDS);
        return new BuiltinStep("csv-source", "source", "rows from a CSV file with a header (quoted fields allowed)", params,
                0, 0, (p, folder) -> {
                    Path file = p.getPath("file");
                    List<String> header;
                    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                        String first = r.readLine();
                        if (first == null) {
                            throw new GenpipeException("file: " + file + " is empty; a CSV source needs a header row");
                        }
                        header = split(first);
                    } catch (IOException e) {
                        throw new GenpipeException("file: " + file + " cannot be read (" + e.getMessage() + ")");
                    }
                    Fields f = Fields.of(p, header, file);
                    return recordSource(p.getString("column"), f.values.length, () -> {
                        BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                        r.readLine();
                        return new Reader() {
                            int line = 1;

                            @Override
                            public Record next(int index) throws IOException {
                                String text;
                                do {
                                    text = r.readLine();
                                    line++;
                                } while (text != null && text.isBlank());
                                if (text == null) {
                                    return null;
                                }
                                List<String> cells = split(text);
                                if (cells.size() != header.size()) {
                                    throw new GenpipeException(file + ":" + line + ": " + cells.size() + " fields, but the header has "
                                            + header.size());
                                }
                                return f.record(name -> cells.get(header.indexOf(name)), file + ":" + line);
                            }

                            @Override
                            public void close() throws IOException {
                                r.close();
                            }
                        };
                    });
                });
    }

    static BuiltinStep jsonlSource() {
        List<ParameterSpec> params = new ArrayList<>();
        params.add(ParameterSpec.required("file", ParameterType.PATH, "JSON lines file: one flat object per line"));
        params.addAll(FIELDS);
        return new BuiltinStep("jsonl-source", "source", "rows from a JSON-lines file of flat objects", params, 0, 0,
                (p, folder) -> {
                    Path file = p.getPath("file");
                    if (!Files.isRegularFile(file)) {
                        throw new GenpipeException("file: " + file + " does not exist");
                    }
                    Fields f = Fields.of(p, null, file);
                    return recordSource(p.getString("column"), f.values.length, () -> {
                        BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                        return new Reader() {
                            int line;

                            @Override
                            public Record next(int index) throws IOException {
                                String text;
                                do {
                                    text = r.readLine();
                                    line++;
                                } while (text != null && text.isBlank());
                                if (text == null) {
                                    return null;
                                }
                                Map<String, String> object = parseFlatObject(text, file + ":" + line);
                                return f.record(k -> object.get(k), file + ":" + line);
                            }

                            @Override
                            public void close() throws IOException {
                                r.close();
                            }
                        };
                    });
                });
    }

    static BuiltinStep textSource() {
        return new BuiltinStep("text-source", "source", "one row per non-empty line of a UTF-8 text file, the line as its text tag",
                List.of(ParameterSpec.required("file", ParameterType.PATH, "text file")), 0, 0, (p, folder) -> {
                    Path file = p.getPath("file");
                    if (!Files.isRegularFile(file)) {
                        throw new GenpipeException("file: " + file + " does not exist");
                    }
                    return recordSource("x", 0, () -> {
                        BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                        return new Reader() {
                            @Override
                            public Record next(int index) throws IOException {
                                String text;
                                do {
                                    text = r.readLine();
                                } while (text != null && text.isBlank());
                                return text == null ? null : new Record(null, null, new float[0], text);
                            }

                            @Override
                            public void close() throws IOException {
                                r.close();
                            }
                        };
                    });
                });
    }

    static BuiltinStep textSink() {
        return new BuiltinStep("text-sink", "sink", "the rows' text tags, one per line (newlines inside a text become spaces)",
                List.of(ParameterSpec.optional("file", ParameterType.STRING, null, "file name (default <step>.txt)")), 1, 1,
                (p, folder) -> new SinkStep() {
                    @Override
                    public void run(List<BatchInput> inputs, BatchOutput output, StepContext context) throws Exception {
                        Path file = OutputPaths.resolve(context.outputFolder(), p.findString("file").orElse(context.stepId() + ".txt"));
                        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                            for (Batch next = inputs.get(0).next(); next != null; next = inputs.get(0).next()) {
                                try (Batch b = next) {
                                    for (RowMeta m : b.meta()) {
                                        String text = m.tags().get(TEXT);
                                        if (text == null) {
                                            throw new GenpipeException("row " + m.id() + " has no text tag");
                                        }
                                        w.write(text.replace('\n', ' ').replace('\r', ' '));
                                        w.write('\n');
                                    }
                                }
                            }
                        }
                    }
                });
    }

    /** Which fields are what, checked against a CSV header when there is one. */
    private static final class Fields {
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

        static Fields of(io.genpipe.api.spi.Parameters p, List<String> header, Path file) {
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
                        throw new GenpipeException("file: " + file + " has no column '" + w + "'; its header: " + header);
                    }
                }
            }
            return new Fields(values, label, id, text);
        }

        Record record(java.util.function.Function<String, String> get, String where) {
            float[] v = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                String cell = get.apply(values[i]);
                try {
                    v[i] = Float.parseFloat(cell == null ? "" : cell.trim());
                } catch (NumberFormatException e) {
                    throw new GenpipeException(where + ": field '" + values[i] + "' is " + (cell == null ? "missing" : "'" + cell + "'")
                            + ", not a number");
                }
            }
            Integer l = null;
            if (label != null) {
                String cell = get.apply(label);
                try {
                    l = Integer.parseInt(cell == null ? "" : cell.trim());
                } catch (NumberFormatException e) {
                    throw new GenpipeException(where + ": label field '" + label + "' is " + (cell == null ? "missing" : "'" + cell + "'")
                            + ", not an integer");
                }
            }
            return new Record(id == null ? null : get.apply(id), l, v, text == null ? null : get.apply(text));
        }
    }

    /** CSV fields of one line: commas, with "quoted, fields" and "" for a quote inside quotes. */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString());
        return out;
    }

    /** A flat JSON object's fields as strings (numbers as written); nested values are refused. */
    static Map<String, String> parseFlatObject(String text, String where) {
        try {
            Object parsed = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
                    new org.yaml.snakeyaml.LoaderOptions())).load(text);
            if (!(parsed instanceof Map)) {
                throw new GenpipeException(where + ": expected a JSON object");
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) parsed).entrySet()) {
                if (e.getValue() instanceof Map || e.getValue() instanceof List) {
                    throw new GenpipeException(where + ": field '" + e.getKey() + "' is nested; jsonl-source reads flat objects");
                }
                out.put(String.valueOf(e.getKey()), e.getValue() == null ? null : String.valueOf(e.getValue()));
            }
            return out;
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            throw new GenpipeException(where + ": not JSON (" + e.getMessage().replaceAll("\\s+", " ") + ")");
        }
    }
}
