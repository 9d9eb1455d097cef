package io.genpipe.runtime.pipeline;

import java.nio.file.Path;

/**
 * A place in a pipeline file, 1-based.
 *
 * @param file the pipeline file
 * @param line line number, or 0 when unknown
 * @param column column number, or 0 when unknown
 */
public record Location(Path file, int line, int column) {

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "");
    }
}
