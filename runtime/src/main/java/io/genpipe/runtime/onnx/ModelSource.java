package io.genpipe.runtime.onnx;

import io.genpipe.api.GenpipeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The bytes of a model and where they came from. A file keeps its path so ONNX Runtime can find
 * external data beside it; a plugin resource is read into memory.
 */
public final class ModelSource {

    private final String name;
    private final byte[] bytes;
    private final Path path;
    private final String sha256;

    private ModelSource(String name, byte[] bytes, Path path) {
        this.name = name;
        this.bytes = bytes;
        this.path = path;
        this.sha256 = sha256(bytes);
    }

    /** In-memory bytes under a display name. */
    public static ModelSource bytes(String name, byte[] bytes) {
        return new ModelSource(Objects.requireNonNull(name, "name is null"), bytes.clone(), null);
    }

    /**
     * A model file.
     *
     * @throws GenpipeException when it does not exist or cannot be read
     */
    public static ModelSource file(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute)) {
            throw new GenpipeException("Model file " + absolute + " does not exist"
                    + (Files.isDirectory(absolute) ? " (it is a folder; name the .onnx file inside it)" : ""));
        }
        try {
            return new ModelSource(absolute.toString(), Files.readAllBytes(absolute), absolute);
        } catch (IOException e) {
            throw new GenpipeException("Model file " + absolute + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * A resource of a plugin's class loader.
     *
     * @throws GenpipeException naming the plugin and the resource when it is missing
     */
    public static ModelSource resource(ClassLoader loader, String resourcePath, String pluginName) {
        String path = resourcePath.startsWith("/") ? resourcePath.substring(1) : resourcePath;
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new GenpipeException("Plugin '" + pluginName + "' has no model resource '" + path
                        + "'; check the path inside the plugin jar (no leading slash)");
            }
            return new ModelSource(pluginName + ":" + path, in.readAllBytes(), null);
        } catch (IOException e) {
            throw new GenpipeException(
                    "Plugin '" + pluginName + "': model resource '" + path + "' cannot be read: " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public String sha256() {
        return sha256;
    }

    /** The file, or null for in-memory bytes. */
    public Path path() {
        return path;
    }

    byte[] bytesView() {
        return bytes;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return name + " (sha256 " + sha256.substring(0, 12) + ")";
    }
}
