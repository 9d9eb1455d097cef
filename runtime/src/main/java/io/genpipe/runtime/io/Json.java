package io.genpipe.runtime.io;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A small JSON writer for run.json (maps, lists, strings, numbers, booleans), indented, in insertion order. */
public final class Json {

    private Json() {}

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, "");
        return sb.toString();
    }

    private static void write(Object value, StringBuilder sb, String indent) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof String string) {
            sb.append(quote(string));
        } else if (value instanceof Double || value instanceof Float) {
            sb.append(number(((Number) value).doubleValue()));
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
                sb.append(indent)
                        .append("  ")
                        .append(quote(String.valueOf(e.getKey())))
                        .append(": ");
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
            sb.append(quote(value.toString()));
        }
    }

    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    public static String number(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }
}
