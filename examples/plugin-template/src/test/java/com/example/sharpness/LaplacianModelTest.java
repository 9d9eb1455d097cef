package com.example.sharpness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.genpipe.api.data.DType;
import io.genpipe.testkit.OnnxGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scorer's ONNX graph, written from Java (no Python needed): the variance of the Laplacian of each image.
 *
 * <pre>
 *   image float32[batch,1,28,28] -> Conv 3x3 Laplacian (valid) -> Flatten -> variance over pixels
 *   -> sharpness float32[batch]
 * </pre>
 *
 * Change the graph here, then write it over the resource and rebuild:
 *
 * <pre>
 *   ./mvnw -q test -Dtest=LaplacianModelTest -Dsharpness.writeModel=true
 * </pre>
 *
 * Without the property, the test checks that the committed graph is exactly the one this code writes.
 */
class LaplacianModelTest {

    static final Path RESOURCE = Path.of("src/main/resources/com/example/sharpness/laplacian.onnx");

    static byte[] model() {
        float[] laplacian = {0, 1, 0, 1, -4, 1, 0, 1, 0};
        return OnnxGraph.named("laplacian-variance")
                .input("image", DType.FLOAT32, "batch", 1, 28, 28)
                .output("sharpness", DType.FLOAT32, "batch")
                .initializer("kernel", new long[] {1, 1, 3, 3}, laplacian)
                .node("Conv", List.of("image", "kernel"), List.of("laplacian"), Map.of("kernel_shape", List.of(3, 3)))
                .node("Flatten", List.of("laplacian"), List.of("flat"), Map.of("axis", 1))
                .node("ReduceMean", List.of("flat"), List.of("mean"), Map.of("axes", List.of(1), "keepdims", 1))
                .node("Sub", List.of("flat", "mean"), List.of("centred"), Map.of())
                .node("Mul", List.of("centred", "centred"), List.of("squared"), Map.of())
                .node("ReduceMean", List.of("squared"), List.of("sharpness"), Map.of("axes", List.of(1), "keepdims", 0))
                .model("genpipe-plugin-template", 17);
    }

    @Test
    void theCommittedGraphIsTheOneThisCodeWrites() throws Exception {
        if (Boolean.getBoolean("sharpness.writeModel")) {
            Files.write(RESOURCE, model());
        }
        assertArrayEquals(Files.readAllBytes(RESOURCE), model(), RESOURCE + " differs from LaplacianModelTest.model()");
    }
}
