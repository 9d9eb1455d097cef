package io.genpipe.runtime.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Set;

/**
 * Where a source reads its files from, by URI scheme. Local paths (and {@code file:} URIs) are read by genpipe
 * itself; other schemes ({@code hdfs}, {@code s3a}, ...) by an implementation found with {@link
 * java.util.ServiceLoader} — genpipe-spark provides one over Hadoop's {@code FileSystem}. Locations are strings as
 * written in the pipeline file (a path already resolved against its folder, or a URI).
 */
public interface Storage {

    /** The URI schemes read here, lower case (e.g. {@code hdfs}, {@code s3a}). */
    Set<String> schemes();

    /** The files matching {@code pattern} (a location with glob characters), sorted by location. */
    List<String> glob(String pattern) throws IOException;

    /** Whether {@code location} is a file that can be read. */
    boolean isFile(String location) throws IOException;

    /** Opens a file for reading; the caller closes the stream. */
    InputStream open(String location) throws IOException;
}
