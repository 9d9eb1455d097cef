package io.genpipe.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.DType;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The process's ONNX Runtime: its environment (one per process; ONNX Runtime itself enforces
 * that), what it can run on, and a count of the native values genpipe holds open, which tests
 * and benchmarks use to prove nothing leaks.
 */
public final class OnnxRuntime {

    private final OrtEnvironment environment;
    private final AtomicLong liveNativeValues = new AtomicLong();
    private final Map<Integer, CudaStatus> cudaProbes = new ConcurrentHashMap<>();

    /** Stack size of the thread that loads the native library; see {@link #loadEnvironment}. */
    private static final long NATIVE_INIT_STACK = 64L << 20;

    /** The process's shared intra-op pool size (0: ONNX Runtime's default), or -1 when it has none. */
    private static int sharedPool = -2; // -2: the environment is not made yet

    /** A runtime whose environment, when this process makes it, has a shared pool of ONNX Runtime's default size. */
    public OnnxRuntime() {
        this(0);
    }

    /**
     * @param sharedPoolThreads size of the process-wide intra-op thread pool that sessions use unless
     *     they ask for their own (0: ONNX Runtime's default, one per physical core). It takes effect
     *     only when this call makes the process's environment: the environment, and its pool, exist
     *     once per process. Where another library made the environment first, there is no shared
     *     pool and every session gets its own.
     */
    public OnnxRuntime(int sharedPoolThreads) {
        if (sharedPoolThreads < 0) {
            throw new IllegalArgumentException("shared pool threads must be >= 0 (0 = ONNX Runtime's default)");
        }
        this.environment = environmentWithPool(sharedPoolThreads);
    }

    private static synchronized OrtEnvironment environmentWithPool(int threads) {
        if (sharedPool == -2) {
            Object[] made = new Object[1];
            OrtEnvironment env = loadEnvironment(() -> {
                try (OrtEnvironment.ThreadingOptions pool = new OrtEnvironment.ThreadingOptions()) {
                    pool.setGlobalIntraOpNumThreads(threads);
                    pool.setGlobalInterOpNumThreads(1); // sessions run sequentially: no inter-op pool needed
                    OrtEnvironment e =
                            OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "ort-java", pool);
                    made[0] = true;
                    return e;
                } catch (IllegalStateException exists) {
                    // another library (an embedding application, a peer framework) made it: no shared pool
                    return OrtEnvironment.getEnvironment();
                } catch (OrtException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
            sharedPool = made[0] != null ? threads : -1;
            return env;
        }
        return OrtEnvironment.getEnvironment();
    }

    /** Whether sessions can share the process's intra-op pool (genpipe made the environment). */
    public boolean hasSharedPool() {
        synchronized (OnnxRuntime.class) {
            return sharedPool >= 0;
        }
    }

    /** The shared pool's size as asked (0: ONNX Runtime's default), or -1 when there is none. */
    public int sharedPoolThreads() {
        synchronized (OnnxRuntime.class) {
            return sharedPool;
        }
    }

    /**
     * Loading ONNX Runtime's native library runs its static initialisers, which need close to the
     * JVM's default 1 MiB thread stack: on the main thread of an application with a long class
     * path it can overflow and kill the JVM with SIGSEGV (seen here). The first load therefore runs
     * on a thread of its own with a large stack; later calls find the environment already there.
     */
    private static OrtEnvironment loadEnvironment(Supplier<OrtEnvironment> make) {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread loader = new Thread(
                null,
                () -> {
                    try {
                        NativeLibraryCache.prepare();
                        result.set(make.get());
                    } catch (RuntimeException | LinkageError e) {
                        result.set(e);
                    }
                },
                "genpipe-onnxruntime-init",
                NATIVE_INIT_STACK);
        loader.start();
        boolean interrupted = false;
        while (true) {
            try {
                loader.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Object r = result.get();
        if (r instanceof OrtEnvironment ortEnvironment) {
            return ortEnvironment;
        }
        Throwable e = (Throwable) r;
        throw new GenpipeException(
                "ONNX Runtime's native library could not be loaded on " + System.getProperty("os.name") + "/"
                        + System.getProperty("os.arch") + ": " + e.getMessage(),
                e);
    }

    OrtEnvironment environment() {
        return environment;
    }

    /** ONNX Runtime's own version, e.g. {@code 1.29.0}. */
    public String version() {
        return environment.getVersion();
    }

    /**
     * Execution providers compiled into the native library, lower-case (e.g. {@code cpu},
     * {@code cuda}). A listed provider may still fail to load: see {@link #probeCuda(int)}.
     */
    public Set<String> compiledProviders() {
        Set<String> names = new TreeSet<>();
        for (OrtProvider p : OrtEnvironment.getAvailableProviders()) {
            names.add(p.name().toLowerCase(Locale.ROOT).replace("_execution_provider", ""));
        }
        return names;
    }

    /**
     * Whether the CUDA provider really loads for device {@code index}, decided by attempting it
     * (the GPU build lists CUDA even where it cannot load). Cached per device.
     */
    public CudaStatus probeCuda(int index) {
        return cudaProbes.computeIfAbsent(index, i -> {
            try (SessionOptions options = new SessionOptions()) {
                options.addCUDA(i);
                return new CudaStatus(true, "CUDA execution provider loaded for device " + i);
            } catch (OrtException | RuntimeException | LinkageError e) {
                return new CudaStatus(false, oneLine(e));
            }
        });
    }

    /** Native values (inputs wrapped for a run, outputs handed out) currently open. */
    public long liveNativeValues() {
        return liveNativeValues.get();
    }

    void opened() {
        liveNativeValues.incrementAndGet();
    }

    void closed() {
        liveNativeValues.decrementAndGet();
    }

    static DType dtypeOf(OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> DType.FLOAT32;
            case DOUBLE -> DType.FLOAT64;
            case INT8 -> DType.INT8;
            case UINT8 -> DType.UINT8;
            case INT32 -> DType.INT32;
            case INT64 -> DType.INT64;
            case BOOL -> DType.BOOL;
            default -> null;
        };
    }

    static OnnxJavaType ortTypeOf(DType type) {
        return switch (type) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case BOOL -> OnnxJavaType.BOOL;
            default -> throw new IllegalArgumentException("no ONNX type for " + type);
        };
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }

    /**
     * Result of attempting the CUDA provider.
     *
     * @param available whether {@code addCUDA} succeeded
     * @param detail what happened, e.g. the native error when it failed
     */
    public record CudaStatus(boolean available, String detail) {}
}
