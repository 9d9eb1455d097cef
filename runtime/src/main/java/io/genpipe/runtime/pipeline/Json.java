package io.genpipe.runtime.pipeline;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** A small JSON writer for run.json (maps, lists, strings, numbers, booleans), indented, in insertion order. */
final class Json {

    private Json() {
    }

    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, "");
        return sb.toString();
    }

    private static void write(Object value, StringBuilder sb, String indent) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof String) {
            sb.append(BuiltinSteps.quote((String) value));
        } else if (value instanceof Double || value instanceof Float) {
            sb.append(BuiltinSteps.number(((Number) value).doubleValue()));
        } else if (value instanceof Number || value instanceof Boolean) {
            sb.append(value);
        } else if (value instanceof Map) {
            Map<?, ?> map = (Map<?, ?>) value;
            if (map.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                sb.append(indent).append("  ").append(BuiltinSteps.quote(String.valueOf(e.getKey()))).append(": ");
                write(e.getValue(), sb, indent + "  ");
                sb.append(it.hasNext() ? ",\n" : "\n");
            }
            sb.append(indent).append('}');
        } else if (value instanceof List) {
            List<?> list = (List<?>) value;
            if (list.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                sb.append(indent).append("  ");
                write(list.get(i), sb, indent + "  ");
                sb.append(i < list.size() - 1 ? ",\n" : "\n");
            }
            sb.append(indent).append(']');
        } else {
            sb.append(BuiltinSteps.quote(value.toString()));
        }
    }
}
