package io.genpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genpipe.api.Encoder;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.Batch;
import io.genpipe.api.data.BufferTensor;
import io.genpipe.runtime.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding API under threads: one runtime and one component shared by 8 threads give the same
 * bytes as serial calls, and closing the runtime while calls are in flight ends them with a clear
 * exception, never a crash or a leak.
 */
class ConcurrencyTest {

    @TempDir
    Path dir;

    private static Batch input(int seed) {
        float[] x = new float[16 * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(seed * 31 + i);
        }
        return Batch.builder(16).column("x", BufferTensor.ofFloats(x, 16, 4)).build();
    }

    @Test
    void threadsSharingOneComponentGetTheSerialBytes() throws Exception {
        Files.write(dir.resolve("affine.onnx"), Fixtures.affineBytes());
        try (Genpipe genpipe = Genpipe.builder().baseDir(dir).build()) {
            Encoder model = genpipe.encoder("onnx-model", Map.of("model", "affine.onnx"));
            int calls = 800;
            List<float[]> serial = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                try (Batch in = input(i);
                        Batch out = model.encode(in)) {
                    serial.add(out.column("y").toFloatArray());
                }
            }
            float[][] parallel = new float[calls][];
            List<Thread> threads = new ArrayList<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            for (int t = 0; t < 8; t++) {
                int first = t;
                threads.add(new Thread(() -> {
                    try {
                        for (int i = first; i < calls; i += 8) {
                            try (Batch in = input(i);
                                    Batch out = model.encode(in)) {
                                parallel[i] = out.column("y").toFloatArray();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(List.of(), List.copyOf(failures));
            for (int i = 0; i < calls; i++) {
                assertArrayEquals(serial.get(i), parallel[i], "call " + i);
            }
            assertEquals(0, genpipe.onnx().liveNativeValues());
        }
    }

    @Test
    void closingTheRuntimeUnderRunningCallsEndsThemCleanly() throws Exception {
        Files.write(dir.resolve("affine.onnx"), Fixtures.affineBytes());
        Genpipe genpipe = Genpipe.builder().baseDir(dir).build();
        Encoder model = genpipe.encoder("onnx-model", Map.of("model", "affine.onnx"));
        CountDownLatch running = new CountDownLatch(4);
        ConcurrentLinkedQueue<Throwable> ended = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                running.countDown();
                try {
                    for (int i = 0; ; i++) {
                        try (Batch in = input(i);
                                Batch out = model.encode(in)) {
                            out.column("y").toFloatArray();
                        }
                    }
                } catch (Throwable e) {
                    ended.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        running.await();
        Thread.sleep(200);
        genpipe.close();
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertEquals(4, ended.size(), "every calling thread ended");
        for (Throwable e : ended) {
            assertTrue(e instanceof GenpipeException, e.toString());
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }
}
