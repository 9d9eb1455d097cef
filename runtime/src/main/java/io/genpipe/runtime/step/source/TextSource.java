package io.genpipe.runtime.step.source;

import io.genpipe.api.spi.ParameterSpec;
import io.genpipe.api.spi.ParameterType;
import io.genpipe.runtime.io.Lines;
import io.genpipe.runtime.io.Storages;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.StepCategory;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;

/**
 * The {@code text-source} built-in step: one row per non-empty line of a UTF-8 text file, the line as the row's text.
 */
public final class TextSource {

    private TextSource() {}

    /** The step as a pipeline's {@code use:} finds it. */
    public static BuiltinStep definition() {
        return new BuiltinStep(
                "text-source",
                StepCategory.SOURCE,
                "one row per non-empty line of a UTF-8 text file, the line as its text tag",
                List.of(ParameterSpec.required(
                        "file", ParameterType.LOCATIONS, "text file(s); a glob or list reads shards")),
                0,
                0,
                (p, folder) -> {
                    List<String> files = Storages.files("file", p.getLocations("file"));
                    return RecordSource.step("x", 0, files, file -> {
                        BufferedReader r = RecordSource.lines(file);
                        return new RecordSource.Reader() {
                            @Override
                            public RecordSource.ParsedRecord next(int index) throws IOException {
                                String text;
                                do {
                                    text = Lines.read(r, file);
                                } while (text != null && text.isBlank());
                                return text == null
                                        ? null
                                        : new RecordSource.ParsedRecord(null, null, new float[0], text);
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
