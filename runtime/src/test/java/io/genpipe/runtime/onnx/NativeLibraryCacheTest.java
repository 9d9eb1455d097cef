package io.genpipe.runtime.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryCacheTest {

    @Test
    void copiesTheLibrariesOnceReplacesADamagedOneAndPointsOnnxRuntimeAtThem(@TempDir Path dir) throws Exception {
        String before = System.getProperty("onnxruntime.native.path");
        System.clearProperty("onnxruntime.native.path");
        try {
            System.setProperty(NativeLibraryCache.PROPERTY, dir.toString());
            NativeLibraryCache.prepare();
            Path platform = Path.of(System.getProperty("onnxruntime.native.path"));
            assertEquals(dir, platform.getParent());
            Path lib = platform.resolve(System.mapLibraryName("onnxruntime"));
            Path jni = platform.resolve(System.mapLibraryName("onnxruntime4j_jni"));
            long size = Files.size(lib);
            assertTrue(size > 1_000_000, "library of " + size + " bytes");
            assertTrue(Files.size(jni) > 10_000);
            // a second start finds them as they are and writes nothing
            FileTime old = FileTime.fromMillis(1_000_000_000_000L);
            Files.setLastModifiedTime(lib, old);
            System.clearProperty("onnxruntime.native.path");
            NativeLibraryCache.prepare();
            assertEquals(old, Files.getLastModifiedTime(lib));
            // a truncated copy (a crash while copying without the rename) is replaced
            Files.write(jni, new byte[10]);
            System.clearProperty("onnxruntime.native.path");
            NativeLibraryCache.prepare();
            assertTrue(Files.size(jni) > 10_000);
            try (var files = Files.list(platform)) {
                assertEquals(2, files.count(), "no partial files left");
            }
            // pointed elsewhere already: left alone
            System.setProperty("onnxruntime.native.path", "/elsewhere");
            NativeLibraryCache.prepare();
            assertEquals("/elsewhere", System.getProperty("onnxruntime.native.path"));
        } finally {
            System.clearProperty(NativeLibraryCache.PROPERTY);
            if (before == null) {
                System.clearProperty("onnxruntime.native.path");
            } else {
                System.setProperty("onnxruntime.native.path", before);
            }
        }
        assertNull(System.getProperty(NativeLibraryCache.PROPERTY));
    }
}
