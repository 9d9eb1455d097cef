package io.genpipe.runtime.io;

import java.util.ArrayList;
import java.util.List;

/** CSV as genpipe reads and writes it: comma-separated, "quoted, fields", "" for a quote inside quotes. */
public final class Csv {

    private Csv() {}

    /** CSV fields of one line: commas, with "quoted, fields" and "" for a quote inside quotes. */
    public static List<String> split(String line) {
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

    /** A CSV field: quoted when it holds a comma, a quote or a line break. */
    public static String quote(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
