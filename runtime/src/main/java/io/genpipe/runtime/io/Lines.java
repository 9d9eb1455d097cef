package io.genpipe.runtime.io;

import io.genpipe.api.GenpipeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Line-by-line reading with a bound: a line longer than {@link #MAX_CHARS} (a CSV header that
 * never ends, a binary file) is an error naming the file, not an OutOfMemoryError.
 */
public final class Lines {

    /** The longest line read. */
    public static final int MAX_CHARS = 1 << 20;

    private Lines() {}

    /**
     * The next line without its terminator ({@code \n}, {@code \r\n} or {@code \r}), or null at the end.
     *
     * @throws GenpipeException naming {@code file} when the line is longer than {@link #MAX_CHARS}
     */
    public static String read(BufferedReader reader, Path file) throws IOException {
        return read(reader, file.toString());
    }

    /**
     * The next line of the file at {@code file} (a path or a URI), as {@link #read(BufferedReader, Path)}.
     *
     * @throws GenpipeException naming {@code file} when the line is longer than {@link #MAX_CHARS}
     */
    public static String read(BufferedReader reader, String file) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = reader.read()) >= 0) {
            if (c == '\n') {
                return sb.toString();
            }
            if (c == '\r') {
                reader.mark(1);
                if (reader.read() != '\n') {
                    reader.reset();
                }
                return sb.toString();
            }
            if (sb.length() == MAX_CHARS) {
                throw new GenpipeException(file + " has a line longer than " + MAX_CHARS + " characters; genpipe reads"
                        + " text files line by line (is it a text file?)");
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
