package io.genpipe.runtime.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.PortSpec;
import io.genpipe.api.data.Tensor;
import io.genpipe.api.spi.Model;
import io.genpipe.api.spi.ModelOutputs;
import io.genpipe.runtime.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionRegistryTest {

    private static final float[] X = {0.5f, -1f, 2f, 0.25f, 1f, 1f, 1f, 1f};

    private OnnxRuntime onnx;
    private SessionRegistry sessions;

    @BeforeEach
    void setUp() {
        onnx = new OnnxRuntime();
        sessions = new SessionRegistry(onnx);
    }

    @AfterEach
    void tearDown() {
        sessions.close();
        assertEquals(0, onnx.liveNativeValues(), "native values left open");
    }

    private Model affine() {
        return sessions.load(ModelSource.bytes("affine.onnx", Fixtures.affineBytes()), SessionSettings.defaults());
    }

    @Test
    void theSharedPoolAndPerSessionPoolsComputeTheSameBytes() {
        assertTrue(SessionSettings.defaults().sharedPool(), "sessions share the process's pool by default");
        assertFalse(
                SessionSettings.defaults().withThreads(1, 1).sharedPool(),
                "thread counts ask for a session's own pool");
        // this test JVM's environment is made by genpipe (OnnxRuntime), so it has the shared pool
        assertTrue(onnx.hasSharedPool());
        assertEquals(0, onnx.sharedPoolThreads());
        Model shared = affine();
        Model own = sessions.load(
                ModelSource.bytes("affine.onnx", Fixtures.affineBytes()),
                SessionSettings.defaults().withThreads(2, 1));
        assertFalse(shared == own, "different pool settings are different sessions");
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                ModelOutputs a = shared.run(Map.of("x", x));
                ModelOutputs b = own.run(Map.of("x", x))) {
            assertArrayEquals(a.get("y").toFloatArray(), b.get("y").toFloatArray(), 0f);
            assertArrayEquals(Fixtures.affineY(X), a.get("y").toFloatArray(), 1e-6f);
        }
    }

    @Test
    void readsPortsAndMetadataFromTheGraph() {
        Model model = affine();
        assertEquals(List.of(PortSpec.of("x", DType.FLOAT32, "batch", 4)), model.inputs());
        assertEquals(
                List.of(PortSpec.of("y", DType.FLOAT32, "batch", 4), PortSpec.of("s", DType.FLOAT32, "batch")),
                model.outputs());
        assertEquals("affine", model.metadata().get("genpipe.fixture"));
        assertEquals("cpu", model.device());
        assertEquals(64, model.sha256().length());
    }

    @Test
    void runMatchesTheReferenceComputation() {
        Model model = affine();
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                ModelOutputs out = model.run(Map.of("x", x))) {
            assertArrayEquals(Fixtures.affineY(X), out.get("y").toFloatArray(), 1e-6f);
            float[] y = Fixtures.affineY(X);
            float[] s = out.get("s").toFloatArray();
            assertEquals(y[0] + y[1] + y[2] + y[3], s[0], 1e-6f);
            assertTrue(out.get("y").isNative());
        }
    }

    @Test
    void nativeOutputFeedsTheNextRunWithoutLeaving() {
        Model model = affine();
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                ModelOutputs first = model.run(Map.of("x", x));
                ModelOutputs second = model.run(Map.of("x", first.get("y")))) {
            assertArrayEquals(
                    Fixtures.affineY(Fixtures.affineY(X)), second.get("y").toFloatArray(), 1e-6f);
        }
    }

    @Test
    void takenOutputOutlivesItsOutputs() {
        Model model = affine();
        Tensor kept;
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                ModelOutputs out = model.run(Map.of("x", x))) {
            kept = out.take("y");
        }
        assertFalse(kept.isClosed());
        assertEquals(1, onnx.liveNativeValues());
        assertArrayEquals(Fixtures.affineY(X), kept.toFloatArray(), 1e-6f);
        kept.close();
        kept.close();
        assertThrows(IllegalStateException.class, kept::toFloatArray);
    }

    @Test
    void runIntoWritesPreallocatedJavaTensors() {
        Model model = affine();
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                BufferTensor y = BufferTensor.allocate(DType.FLOAT32, 2, 4)) {
            model.runInto(Map.of("x", x), Map.of("y", y));
            assertArrayEquals(Fixtures.affineY(X), y.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void runWithPreallocatedOutputsReturnsTheRestNative() {
        Model model = affine();
        long before = onnx.liveNativeValues();
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                BufferTensor y = BufferTensor.allocate(DType.FLOAT32, 2, 4);
                ModelOutputs rest = model.run(Map.of("x", x), Map.of("y", y))) {
            assertArrayEquals(Fixtures.affineY(X), y.toFloatArray(), 1e-6f);
            assertEquals(Set.of("s"), rest.names());
            assertTrue(rest.get("s").isNative());
            float[] ys = Fixtures.affineY(X);
            assertArrayEquals(
                    new float[] {ys[0] + ys[1] + ys[2] + ys[3], ys[4] + ys[5] + ys[6] + ys[7]},
                    rest.get("s").toFloatArray(),
                    1e-5f);
        }
        assertEquals(before, onnx.liveNativeValues());
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                BufferTensor wrong = BufferTensor.allocate(DType.FLOAT32, 3, 4)) {
            // the batch dimension is symbolic, so only the run itself can tell; ONNX Runtime's words are kept
            String message = assertThrows(GenpipeException.class, () -> model.run(Map.of("x", x), Map.of("y", wrong)))
                    .getMessage();
            assertTrue(
                    message.startsWith("model affine.onnx (sha256 ")
                            && message.contains(
                                    "has shape {3,4} but the computed" + " output shape for this run is {2,4}"),
                    message);
        }
    }

    @Test
    void wrongInputsAreNamedBeforeTheRun() {
        Model model = affine();
        try (BufferTensor x = BufferTensor.ofFloats(new float[6], 2, 3)) {
            GenpipeException e = assertThrows(GenpipeException.class, () -> model.run(Map.of("x", x)));
            assertEquals("model affine.onnx: port 'x': expected float32[batch,4], found float32[2,3]", e.getMessage());
            GenpipeException named = assertThrows(GenpipeException.class, () -> model.run(Map.of("input", x)));
            assertEquals(
                    "model affine.onnx: unknown input 'input' (the model's inputs are [x: float32[batch,4]]);"
                            + " missing input x: float32[batch,4]",
                    named.getMessage());
        }
    }

    @Test
    void sameBytesShareOneSession() {
        affine();
        affine();
        assertEquals(1, sessions.size());
        sessions.load(
                ModelSource.bytes("affine.onnx", Fixtures.affineBytes()),
                SessionSettings.defaults().withThreads(1, 1));
        assertEquals(2, sessions.size());
    }

    @Test
    void invalidModelBytesNameTheModel() {
        GenpipeException e = assertThrows(
                GenpipeException.class,
                () -> sessions.load(
                        ModelSource.bytes("broken.onnx", new byte[] {1, 2, 3, 4}), SessionSettings.defaults()));
        assertTrue(
                e.getMessage()
                        .startsWith("model broken.onnx could not be loaded by ONNX Runtime " + onnx.version() + ": "),
                e.getMessage());
    }

    @Test
    void missingModelFileIsNamed(@TempDir Path dir) {
        GenpipeException e = assertThrows(GenpipeException.class, () -> ModelSource.file(dir.resolve("nope.onnx")));
        assertEquals("Model file " + dir.resolve("nope.onnx") + " does not exist", e.getMessage());
    }

    @Test
    void modelFileAndOptimizedGraphCache(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("affine.onnx");
        Files.write(file, Fixtures.affineBytes());
        Path cache = dir.resolve("cache");
        SessionSettings settings = SessionSettings.defaults().withOptimizedModelCache(cache);
        Model model = sessions.load(ModelSource.file(file), settings);
        assertEquals(file.toString(), model.name());
        try (Stream<Path> files = Files.list(cache)) {
            assertEquals(
                    1,
                    files.filter(p -> p.getFileName().toString().endsWith(".ort.onnx"))
                            .count());
        }
        sessions.close();
        // a second process (here: a second registry) starts from the cached optimized graph
        sessions = new SessionRegistry(onnx);
        Model again = sessions.load(ModelSource.file(file), settings);
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                ModelOutputs out = again.run(Map.of("x", x))) {
            assertArrayEquals(Fixtures.affineY(X), out.get("y").toFloatArray(), 1e-6f);
        }
    }

    @Test
    void closedRegistryFailsRunsCleanly() {
        Model model = affine();
        sessions.close();
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4)) {
            GenpipeException e = assertThrows(GenpipeException.class, () -> model.run(Map.of("x", x)));
            assertEquals(
                    "model affine.onnx is closed: the genpipe runtime that loaded it was shut down", e.getMessage());
        }
    }

    @Test
    void closeDrainsRunsInFlight() throws Exception {
        Model model = affine();
        int threads = 4;
        CountDownLatch started = new CountDownLatch(threads);
        AtomicInteger completed = new AtomicInteger();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                started.countDown();
                try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4)) {
                    while (true) {
                        try (ModelOutputs out = model.run(Map.of("x", x))) {
                            out.get("y").toFloatArray();
                            completed.incrementAndGet();
                        }
                    }
                } catch (GenpipeException e) {
                    if (!e.getMessage().contains("is closed")) {
                        unexpected.set(e);
                    }
                } catch (Throwable e) {
                    unexpected.set(e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        started.await();
        while (completed.get() < 200) {
            Thread.onSpinWait();
        }
        sessions.close();
        for (Thread w : workers) {
            w.join(10_000);
            assertFalse(w.isAlive());
        }
        if (unexpected.get() != null) {
            throw new AssertionError(unexpected.get());
        }
    }

    @Test
    void cudaRequestedWithFailPolicyExplainsWhatToDo() {
        assumeTrue(!onnx.probeCuda(0).available(), "CUDA loads here; the missing-device path cannot be shown");
        SessionSettings cuda = SessionSettings.defaults().withDevice(DeviceSpec.cuda(0));
        GenpipeException e = assertThrows(
                GenpipeException.class,
                () -> sessions.load(ModelSource.bytes("affine.onnx", Fixtures.affineBytes()), cuda));
        assertTrue(
                e.getMessage()
                        .startsWith("model affine.onnx: device cuda:0 was requested but the CUDA execution"
                                + " provider did not load: "),
                e.getMessage());
        assertTrue(
                e.getMessage()
                        .endsWith("Use device: cpu, set onMissingDevice: fallback, or run the CUDA build (-Pcuda)"
                                + " on a machine with a working CUDA installation"),
                e.getMessage());
    }

    @Test
    void cudaFallbackRunsOnCpu() {
        assumeTrue(!onnx.probeCuda(0).available(), "CUDA loads here; the fallback path cannot be shown");
        Model model = sessions.load(
                ModelSource.bytes("affine.onnx", Fixtures.affineBytes()),
                SessionSettings.defaults()
                        .withDevice(DeviceSpec.cuda(0))
                        .withOnMissingDevice(MissingDevicePolicy.FALLBACK));
        assertEquals("cpu", model.device());
        Model auto = sessions.load(
                ModelSource.bytes("affine.onnx", Fixtures.affineBytes()),
                SessionSettings.defaults().withDevice(DeviceSpec.AUTO));
        assertEquals("cpu", auto.device());
    }

    @Test
    void runsOnCudaWhereItLoads() {
        assumeTrue(
                onnx.probeCuda(0).available(),
                "CUDA does not load here: " + onnx.probeCuda(0).detail());
        Model model = sessions.load(
                ModelSource.bytes("affine.onnx", Fixtures.affineBytes()),
                SessionSettings.defaults().withDevice(DeviceSpec.cuda(0)));
        assertEquals("cuda:0", model.device());
        try (BufferTensor x = BufferTensor.ofFloats(X, 2, 4);
                ModelOutputs out = model.run(Map.of("x", x))) {
            assertArrayEquals(Fixtures.affineY(X), out.get("y").toFloatArray(), 1e-5f);
        }
    }

    @Test
    void deviceSpecParsing() {
        assertSame(DeviceSpec.CPU, DeviceSpec.parse("CPU"));
        assertEquals(DeviceSpec.cuda(1), DeviceSpec.parse("cuda:1"));
        assertEquals(DeviceSpec.cuda(0), DeviceSpec.parse("cuda"));
        GenpipeException e = assertThrows(GenpipeException.class, () -> DeviceSpec.parse("gpu"));
        assertEquals("Unknown device 'gpu'; expected cpu, cuda, cuda:N (N = 0, 1, ...) or auto", e.getMessage());
    }
}
