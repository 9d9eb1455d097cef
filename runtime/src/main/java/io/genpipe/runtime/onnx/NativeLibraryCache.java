package io.genpipe.runtime.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * ONNX Runtime's Java binding copies its native libraries (28 MB on Linux x64) out of its jar into
 * a fresh temporary folder on every start. When the system property {@value #PROPERTY} names a
 * folder (the {@code genpipe} launcher sets it to one inside the build output), they are copied
 * there once, into a sub-folder per platform, checked by size on every later start and copied
 * again when they differ; ONNX Runtime is then pointed at that folder
 * ({@code onnxruntime.native.path}) and loads them in place. Each file is written under a temporary
 * name and renamed, so a concurrent start never loads a half-written library. Anything that goes
 * wrong leaves ONNX Runtime to its own extraction.
 */
final class NativeLibraryCache {

    static final String PROPERTY = "genpipe.native.cache";
    private static final List<String> LIBRARIES = List.of(
            "onnxruntime",
            "onnxruntime4j_jni",
            "onnxruntime_providers_shared",
            "onnxruntime_providers_cuda",
            "onnxruntime_providers_tensorrt");

    private NativeLibraryCache() {}

    /** Prepares the cache and points ONNX Runtime at it, when asked for and not already pointed elsewhere. */
    static void prepare() {
        String folder = System.getProperty(PROPERTY);
        if (folder == null || folder.isBlank() || System.getProperty("onnxruntime.native.path") != null) {
            return;
        }
        String platform = platform();
        if (platform == null) {
            return;
        }
        try {
            Path dir = Path.of(folder).resolve(platform);
            boolean any = false;
            for (String name : LIBRARIES) {
                String file = System.mapLibraryName(name);
                URL resource = NativeLibraryCache.class
                        .getClassLoader()
                        .getResource("ai/onnxruntime/native/" + platform + "/" + file);
                if (resource == null) {
                    continue;
                }
                any = true;
                URLConnection c = resource.openConnection();
                long size = c.getContentLengthLong();
                Path target = dir.resolve(file);
                if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
                    continue;
                }
                Files.createDirectories(dir);
                Path partial = Files.createTempFile(dir, "." + file, ".partial");
                try (InputStream in = c.getInputStream()) {
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(partial);
                }
            }
            if (any) {
                System.setProperty("onnxruntime.native.path", dir.toString());
            }
        } catch (IOException | RuntimeException e) {
            // ONNX Runtime extracts its libraries itself, as without the cache
        }
    }

    /** ONNX Runtime's name for this platform's folder in its jar ({@code linux-x64}, {@code osx-aarch64}, ...). */
    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("linux")
                ? "linux"
                : os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : null;
        String a = arch.equals("amd64") || arch.equals("x86_64")
                ? "x64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
        return o == null || a == null ? null : o + "-" + a;
    }
}
