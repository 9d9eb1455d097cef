package io.genpipe.runtime.step.source;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.JsonLines;
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
import java.util.Map;

/**
 * The {@code jsonl-source} built-in step: rows from a JSON-lines file of flat objects.
 */
public final class JsonlSource {

    private JsonlSource() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        List<ParameterSpec> params = new ArrayList<>();
        params.add(ParameterSpec.required("file", ParameterType.PATH, "JSON lines file: one flat object per line"));
        params.addAll(RecordSource.FIELDS);
        return new BuiltinStep(
                "jsonl-source",
                StepCategory.SOURCE,
                "rows from a JSON-lines file of flat objects",
                params,
                0,
                0,
                (p, folder) -> {
                    Path file = p.getPath("file");
                    if (!Files.isRegularFile(file)) {
                        throw new GenpipeException("file: " + file + " does not exist");
                    }
                    RecordSource.Fields f = RecordSource.Fields.of(p, null, file);
                    return RecordSource.step(p.getString("column"), f.values.length, () -> {
                        BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                        return new RecordSource.Reader() {
                            int line;

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
                                Map<String, String> object = JsonLines.parseFlatObject(text, file + ":" + line);
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
}
