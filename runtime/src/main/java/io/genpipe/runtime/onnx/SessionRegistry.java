package io.genpipe.runtime.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.spi.Model;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Owns every ONNX Runtime session of a genpipe runtime. Sessions are cached by (model sha256,
 * settings): the same bytes loaded twice share one session. {@link #close()} waits for in-flight
 * runs, then closes every session; models handed out fail cleanly afterwards.
 *
 * <p>On CUDA one session serialises its runs on one stream: parallel GPU work wants one registry
 * (or one settings value) per worker.
 */
public final class SessionRegistry implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SessionRegistry.class.getName());

    private final OnnxRuntime runtime;
    private final Map<Key, ManagedSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, LoadedModel> loaded = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private final List<List<LoadedModel>> recordings = new CopyOnWriteArrayList<>();

    /**
     * Runs {@code body}, adding to {@code into} every model this registry loads meanwhile, from any thread
     * (plugin factories run on their own), cached sessions included: name, sha256 of the bytes read now,
     * device. What one pipeline's validation used, when nothing else loads models at the same time.
     */
    public <T> T recording(List<LoadedModel> into, Supplier<T> body) {
        List<LoadedModel> synced = Collections.synchronizedList(into);
        recordings.add(synced);
        try {
            return body.get();
        } finally {
            recordings.remove(synced);
        }
    }

    public SessionRegistry(OnnxRuntime runtime) {
        this.runtime = runtime;
    }

    public OnnxRuntime runtime() {
        return runtime;
    }

    /**
     * A model from {@code source} under {@code settings}, creating the session on first use.
     *
     * @throws GenpipeException naming the model when the bytes are not a valid ONNX graph, or the
     *     device cannot be had under a {@code fail} policy
     */
    public Model load(ModelSource source, SessionSettings settings) {
        if (closed) {
            throw new GenpipeException("cannot load model " + source.name() + ": the genpipe runtime is shut down");
        }
        Key key = new Key(source.sha256(), settings);
        ManagedSession session = sessions.computeIfAbsent(key, k -> create(source, settings));
        loaded.putIfAbsent(
                source.name() + "|" + session.device(),
                new LoadedModel(source.name(), source.sha256(), session.device()));
        for (List<LoadedModel> recording : recordings) {
            recording.add(new LoadedModel(source.name(), source.sha256(), session.device()));
        }
        return new OnnxModel(source.name(), session, runtime);
    }

    /** Every model loaded so far (name, sha256, device), sorted by name: provenance for run records. */
    public List<LoadedModel> loaded() {
        List<LoadedModel> list = new ArrayList<>(loaded.values());
        list.sort(Comparator.comparing(LoadedModel::name).thenComparing(LoadedModel::device));
        return list;
    }

    /**
     * A model a registry loaded.
     *
     * @param name plugin resource or file
     * @param sha256 of its bytes
     * @param device where its session runs
     */
    public record LoadedModel(String name, String sha256, String device) {}

    /** Sessions currently open. */
    public int size() {
        return sessions.size();
    }

    private ManagedSession create(ModelSource source, SessionSettings settings) {
        SessionOptions options = null;
        try {
            options = baseOptions(settings);
            String device = "cpu";
            switch (settings.device().kind()) {
                case CPU -> {}
                case CUDA, AUTO -> {
                    int index = settings.device().index();
                    try {
                        options.addCUDA(index);
                        device = "cuda:" + index;
                    } catch (OrtException | RuntimeException | LinkageError e) {
                        String reason = OnnxRuntime.oneLine(e);
                        if (settings.device().kind() == DeviceSpec.Kind.CUDA
                                && settings.onMissingDevice() == MissingDevicePolicy.FAIL) {
                            throw new GenpipeException("model " + source.name() + ": device " + settings.device()
                                    + " was requested but the CUDA execution provider did not load: " + reason
                                    + ". Use device: cpu, set onMissingDevice: fallback, or run the CUDA build (-Pcuda)"
                                    + " on a machine with a working CUDA installation");
                        }
                        LOG.log(
                                settings.device().kind() == DeviceSpec.Kind.AUTO ? Level.INFO : Level.WARNING,
                                "model {0}: device {1} unavailable ({2}); running on cpu",
                                source.name(),
                                settings.device(),
                                reason);
                        options.close();
                        options = baseOptions(settings);
                    }
                }
                default -> throw new IllegalStateException(settings.device().toString());
            }
            OrtSession session = open(source, settings, options, device);
            try {
                return new ManagedSession(session, source.sha256(), device, source.name());
            } catch (OrtException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new GenpipeException(
                    "model " + source.name() + " could not be loaded by ONNX Runtime "
                            + runtime.version() + ": " + OnnxRuntime.oneLine(e)
                            + ". Is it an ONNX model (opset <= what this ONNX Runtime supports)?",
                    e);
        } finally {
            if (options != null) {
                options.close();
            }
        }
    }

    private OrtSession open(ModelSource source, SessionSettings settings, SessionOptions options, String device)
            throws OrtException {
        Path cacheDir = settings.optimizedModelCache();
        if (cacheDir == null) {
            return source.path() != null
                    ? runtime.environment().createSession(source.path().toString(), options)
                    : runtime.environment().createSession(source.bytesView(), options);
        }
        // Optimized graphs are device-specific: the file name carries the device and level.
        Path cached = cacheDir.resolve(
                source.sha256() + "-" + device.replace(':', '_') + "-" + settings.optimization() + ".ort.onnx");
        if (Files.isRegularFile(cached)) {
            options.setOptimizationLevel(OptimizationLevel.NONE.ort());
            return runtime.environment().createSession(cached.toString(), options);
        }
        try {
            Files.createDirectories(cacheDir);
            Path temp = Files.createTempFile(cacheDir, ".optimizing-", ".onnx");
            options.setOptimizedModelFilePath(temp.toString());
            OrtSession session = source.path() != null
                    ? runtime.environment().createSession(source.path().toString(), options)
                    : runtime.environment().createSession(source.bytesView(), options);
            Files.move(temp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return session;
        } catch (IOException e) {
            throw new GenpipeException("optimized model cache " + cacheDir + " is not writable: " + e.getMessage(), e);
        }
    }

    private SessionOptions baseOptions(SessionSettings settings) throws OrtException {
        SessionOptions options = new SessionOptions();
        try {
            options.setOptimizationLevel(settings.optimization().ort());
            if (settings.sharedPool() && runtime.hasSharedPool()) {
                // one pool for every session of the process: several model steps running at once
                // do not each spin their own threads on the same cores
                options.disablePerSessionThreads();
                return options;
            }
            if (settings.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(settings.intraOpThreads());
            }
            if (settings.interOpThreads() > 0) {
                options.setInterOpNumThreads(settings.interOpThreads());
            }
            return options;
        } catch (OrtException e) {
            options.close();
            throw e;
        }
    }

    /** Waits for in-flight runs and closes every session. Idempotent. */
    @Override
    public void close() {
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        for (ManagedSession s : sessions.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        sessions.clear();
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private record Key(String sha256, SessionSettings settings) {}
}
