package io.genpipe.runtime.io;

import io.genpipe.api.GenpipeException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/** JSON lines as genpipe's sources read them: one flat object per line. */
public final class JsonLines {

    private JsonLines() {}

    /** A flat JSON object's fields as strings (numbers as written); nested values are refused. */
    public static Map<String, String> parseFlatObject(String text, String where) {
        try {
            Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
            if (!(parsed instanceof Map)) {
                throw new GenpipeException(where + ": expected a JSON object");
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) parsed).entrySet()) {
                if (e.getValue() instanceof Map || e.getValue() instanceof List) {
                    throw new GenpipeException(
                            where + ": field '" + e.getKey() + "' is nested; jsonl-source reads flat objects");
                }
                out.put(String.valueOf(e.getKey()), e.getValue() == null ? null : String.valueOf(e.getValue()));
            }
            return out;
        } catch (YAMLException e) {
            throw new GenpipeException(where + ": not JSON (" + e.getMessage().replaceAll("\\s+", " ") + ")");
        }
    }
}
