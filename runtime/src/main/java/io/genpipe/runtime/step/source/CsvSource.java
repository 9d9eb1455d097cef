package io.genpipe.runtime.step.source;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Csv;
import io.genpipe.runtime.io.Lines;
import io.genpipe.runtime.io.Storages;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.StepCategory;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code csv-source} built-in step: rows from a CSV file with a header row (quoted fields allowed).
 */
public final class CsvSource {

    private CsvSource() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        List<ParameterSpec> params = new ArrayList<>();
        params.add(ParameterSpec.required(
                "file", ParameterType.LOCATIONS, "CSV file(s) with a header row; a glob or list reads shards"));
        params.addAll(RecordSource.FIELDS);
        return new BuiltinStep(
                "csv-source",
                StepCategory.SOURCE,
                "rows from a CSV file with a header (quoted fields allowed)",
                params,
                0,
                0,
                (p, folder) -> {
                    List<String> files = Storages.files("file", p.getLocations("file"));
                    String first = files.get(0);
                    List<String> header;
                    try (BufferedReader r = RecordSource.lines(first)) {
                        String line = Lines.read(r, first);
                        if (line == null) {
                            throw new GenpipeException("file: " + first + " is empty; a CSV source needs a header row");
                        }
                        header = Csv.split(line);
                    } catch (IOException e) {
                        throw new GenpipeException("file: " + first + " cannot be read (" + e.getMessage() + ")");
                    }
                    RecordSource.Fields f = RecordSource.Fields.of(p, header, first);
                    return RecordSource.step(p.getString("column"), f.values.length, files, file -> {
                        BufferedReader r = RecordSource.lines(file);
                        String own = Lines.read(r, file);
                        if (own == null || !Csv.split(own).equals(header)) {
                            r.close();
                            throw new GenpipeException(file + ":1: header " + (own == null ? "missing" : Csv.split(own))
                                    + ", but " + first + " has " + header + "; every shard of a CSV source has the"
                                    + " same header");
                        }
                        return new RecordSource.Reader() {
                            int line = 1;

                            @Override
                            public RecordSource.ParsedRecord next(int index) throws IOException {
                                String text;
                                do {
                                    text = Lines.read(r, file);
                                    line++;
                                } while (text != null && text.isBlank());
                                if (text == null) {
                                    return null;
                                }
                                List<String> cells = Csv.split(text);
                                if (cells.size() != header.size()) {
                                    throw new GenpipeException(file + ":" + line + ": " + cells.size()
                                            + " fields, but the header has " + header.size());
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
}
