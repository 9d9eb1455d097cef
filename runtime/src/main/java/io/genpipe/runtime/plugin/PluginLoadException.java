package io.genpipe.runtime.plugin;

import io.genpipe.api.GenpipeException;
import java.util.List;

/** One or more plugins could not be loaded; every problem is listed. */
public final class PluginLoadException extends GenpipeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public PluginLoadException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem as one sentence naming the jar and the fix. */
    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        StringBuilder sb = new StringBuilder(problems.size() + " plugin problems:");
        for (String p : problems) {
            sb.append(System.lineSeparator()).append("  - ").append(p);
        }
        return sb.toString();
    }
}
