package io.genpipe.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Properties;

/**
 * A {@code major.minor} version of genpipe-api. A plugin built for api {@code M.m} runs on a host
 * providing {@code M.n} when {@code n >= m}: minor versions only add (default methods, new types),
 * a new major version may remove.
 */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    /** The api version of the genpipe-api classes on this class path. */
    public static final ApiVersion CURRENT = readCurrent();

    public ApiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("api version parts must be non-negative: " + major + "." + minor);
        }
    }

    /**
     * Parses {@code "1.0"}.
     *
     * @throws IllegalArgumentException naming the text when it is not {@code major.minor}
     */
    public static ApiVersion parse(String text) {
        Objects.requireNonNull(text, "text is null");
        String[] parts = text.trim().split("\\.");
        if (parts.length != 2) {
            throw new IllegalArgumentException("'" + text + "' is not an api version; expected major.minor, e.g. 1.0");
        }
        try {
            return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an api version; expected major.minor, e.g. 1.0");
        }
    }

    /** Whether a plugin built for {@code pluginBuiltFor} can run on a host providing this version. */
    public boolean canHost(ApiVersion pluginBuiltFor) {
        return major == pluginBuiltFor.major && minor >= pluginBuiltFor.minor;
    }

    @Override
    public int compareTo(ApiVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }

    private static ApiVersion readCurrent() {
        try (InputStream in = ApiVersion.class.getResourceAsStream("api-version.properties")) {
            if (in == null) {
                throw new IllegalStateException("genpipe-api is missing io/genpipe/api/api-version.properties");
            }
            Properties properties = new Properties();
            properties.load(in);
            return parse(properties.getProperty("version"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
