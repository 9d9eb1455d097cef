package io.genpipe.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What this build of genpipe is: its version and which ONNX Runtime artifact it was built with
 * ({@code onnxruntime} or, under {@code -Pcuda}, {@code onnxruntime_gpu}).
 *
 * @param version genpipe's version
 * @param onnxRuntimeArtifact the ONNX Runtime Maven artifact this build depends on
 */
public record BuildInfo(String version, String onnxRuntimeArtifact) {

    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // falls back to "unknown" below
        }
        return new BuildInfo(p.getProperty("version", "unknown"), p.getProperty("onnxruntimeArtifact", "unknown"));
    }
}
