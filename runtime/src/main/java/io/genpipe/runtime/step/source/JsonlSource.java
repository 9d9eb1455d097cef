package io.genpipe.runtime.step.source;

import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.JsonLines;
import io.genpipe.runtime.io.Lines;
import io.genpipe.runtime.io.Storages;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.StepCategory;
import java.io.BufferedReader;
import java.io.IOException;
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
        params.add(ParameterSpec.required(
                "file",
                ParameterType.LOCATIONS,
                "JSON lines file(s): one flat object per line; a glob or list reads shards"));
        params.addAll(RecordSource.FIELDS);
        return new BuiltinStep(
                "jsonl-source",
                StepCategory.SOURCE,
                "rows from a JSON-lines file of flat objects",
                params,
                0,
                0,
                (p, folder) -> {
                    List<String> files = Storages.files("file", p.getLocations("file"));
                    RecordSource.Fields f = RecordSource.Fields.of(p, null, files.get(0));
                    return RecordSource.step(p.getString("column"), f.values.length, files, file -> {
                        BufferedReader r = RecordSource.lines(file);
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
