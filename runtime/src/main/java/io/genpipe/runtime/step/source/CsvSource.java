package io.genpipe.runtime.step.source;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Csv;
import io.genpipe.runtime.io.Lines;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.StepCategory;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        params.add(ParameterSpec.required("file", ParameterType.PATH, "CSV file with a header row"));
        params.addAll(RecordSource.FIELDS);
        return new BuiltinStep(
                "csv-source",
                StepCategory.SOURCE,
                "rows from a CSV file with a header (quoted fields allowed)",
                params,
                0,
                0,
                (p, folder) -> {
                    Path file = p.getPath("file");
                    List<String> header;
                    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                        String first = Lines.read(r, file);
                        if (first == null) {
                            throw new GenpipeException("file: " + file + " is empty; a CSV source needs a header row");
                        }
                        header = Csv.split(first);
                    } catch (IOException e) {
                        throw new GenpipeException("file: " + file + " cannot be read (" + e.getMessage() + ")");
                    }
                    RecordSource.Fields f = RecordSource.Fields.of(p, header, file);
                    return RecordSource.step(p.getString("column"), f.values.length, () -> {
                        BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                        Lines.read(r, file);
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
