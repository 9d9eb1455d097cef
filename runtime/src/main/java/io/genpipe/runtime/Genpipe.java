package io.genpipe.runtime;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.Stage;
import com.google.inject.multibindings.MapBinder;
import io.genpipe.api.Component;
import io.genpipe.api.Encoder;
import io.genpipe.api.Generator;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.RandomSource;
import io.genpipe.api.Role;
import io.genpipe.api.Sampler;
import io.genpipe.api.Scorer;
import io.genpipe.api.spi.Model;
import io.genpipe.runtime.component.Catalog;
import io.genpipe.runtime.component.ComponentRegistry;
import io.genpipe.runtime.component.DidYouMean;
import io.genpipe.runtime.component.RegisteredFactory;
import io.genpipe.runtime.onnx.DeviceSpec;
import io.genpipe.runtime.onnx.MissingDevicePolicy;
import io.genpipe.runtime.onnx.ModelSource;
import io.genpipe.runtime.onnx.OnnxRuntime;
import io.genpipe.runtime.onnx.OptimizationLevel;
import io.genpipe.runtime.onnx.SessionRegistry;
import io.genpipe.runtime.onnx.SessionSettings;
import io.genpipe.runtime.onnx.ThreadPool;
import io.genpipe.runtime.pipeline.PipelineDefinition;
import io.genpipe.runtime.pipeline.PipelineHost;
import io.genpipe.runtime.plugin.LoadedPlugin;
import io.genpipe.runtime.plugin.PluginManager;
import io.genpipe.runtime.plugin.PluginSet;
import io.genpipe.runtime.step.BuiltinStep;
import io.genpipe.runtime.step.BuiltinStepsModule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * A genpipe runtime: plugins, components by name, ONNX Runtime sessions. Thread-safe.
 *
 * <pre>{@code
 * try (Genpipe genpipe = Genpipe.builder()
 *         .pluginsDir(Path.of("plugins-dir"))   // optional: third-party plugin jars
 *         .device("auto")
 *         .seed(7)
 *         .build()) {
 *     Encoder encoder = genpipe.encoder("onnx-model", Map.of("model", "my-model.onnx"));
 *     ...
 * }
 * }</pre>
 *
 * <p>Ownership: components created here are closed by {@link #close()} if the caller has not
 * closed them; models are owned by the runtime's session registry, which waits for runs in
 * flight before closing sessions.
 */
public final class Genpipe implements PipelineHost, AutoCloseable {

    private final OnnxRuntime onnx;
    private final SessionRegistry sessions;
    private final SessionSettings settings;
    private final PluginSet plugins;
    private final ComponentRegistry components;
    private final Catalog catalog;
    private final long seed;
    private final Path baseDir;
    private final Deque<Component> created = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    private final List<Path> pluginsDirs;

    private Genpipe(Builder b, OnnxRuntime onnx, PluginSet plugins) {
        this.onnx = onnx;
        this.settings = b.settings;
        this.plugins = plugins;
        this.seed = b.seed;
        this.baseDir = b.baseDir;
        this.pluginsDirs = b.pluginsDirs.stream()
                .map(d -> d.toAbsolutePath().normalize())
                .distinct()
                .toList();
        this.sessions = new SessionRegistry(onnx);
        List<Module> modules = new ArrayList<>();
        modules.add(new OnnxModule(onnx, sessions, settings));
        // declares the map even when no plugin contributes, so the registry can always be built
        modules.add(binder -> MapBinder.newMapBinder(binder, String.class, RegisteredFactory.class));
        for (LoadedPlugin plugin : plugins.plugins()) {
            modules.add(new PluginModule(plugin));
        }
        modules.add(new BuiltinStepsModule());
        Injector injector;
        try {
            injector = Guice.createInjector(Stage.PRODUCTION, modules);
            this.catalog = injector.getInstance(Catalog.class);
        } catch (CreationException | ProvisionException e) {
            GenpipeException cause = findCause(e);
            throw cause != null
                    ? cause
                    : new GenpipeException("the runtime could not be composed: " + e.getMessage(), e);
        }
        this.components = catalog.components();
    }

    private static GenpipeException findCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GenpipeException) {
                return (GenpipeException) t;
            }
        }
        return null;
    }

    /** Everything a pipeline can use: built-in steps and components. */
    public Catalog catalog() {
        return catalog;
    }

    @Override
    public Map<String, BuiltinStep> steps() {
        return catalog.steps();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Generator generator(String name, Map<String, ?> parameters) {
        return create(Role.GENERATOR, name, parameters);
    }

    public Encoder encoder(String name, Map<String, ?> parameters) {
        return create(Role.ENCODER, name, parameters);
    }

    public Sampler sampler(String name, Map<String, ?> parameters) {
        return create(Role.SAMPLER, name, parameters);
    }

    public Scorer scorer(String name, Map<String, ?> parameters) {
        return create(Role.SCORER, name, parameters);
    }

    /**
     * Builds the component {@code name} of {@code role}, checking its parameters first.
     *
     * @throws GenpipeException for an unknown name (listing the known ones), bad parameters (all
     *     listed) or a factory that fails (naming the plugin)
     */
    public <T extends Component> T create(Role role, String name, Map<String, ?> parameters) {
        requireOpen();
        T component = components.create(role, name, parameters, baseDir, settings, seed);
        created.push(component);
        return component;
    }

    /**
     * Builds a component for a pipeline run: the pipeline's folder, seed and device, whatever this
     * runtime was built with (the pipeline file, with its overrides, is the one place that decides).
     */
    @Override
    public <T extends Component> T create(
            Role role, String name, Map<String, ?> parameters, PipelineDefinition pipeline) {
        requireOpen();
        SessionSettings forPipeline = settings.withDevice(DeviceSpec.parse(pipeline.device()))
                .withOnMissingDevice(MissingDevicePolicy.parse(pipeline.onMissingDevice()));
        // a threadPool in the file decides; its threads size a per-session pool here (the shared
        // pool was sized when the process started ONNX Runtime); without one, as this runtime was built
        if (pipeline.threadPool() == ThreadPool.PER_SESSION) {
            forPipeline = forPipeline.withThreads(pipeline.threads(), 1);
        } else if (pipeline.threadPool() == ThreadPool.SHARED) {
            forPipeline = forPipeline.withSharedPool(true);
        }
        T component = components.create(role, name, parameters, pipeline.folder(), forPipeline, pipeline.seed());
        created.push(component);
        return component;
    }

    @Override
    public Map<String, Object> provenance(PipelineDefinition pipeline) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("device", DeviceSpec.parse(pipeline.device()).toString());
        p.put("genpipe", BuildInfo.current().version());
        p.put("onnxruntime", onnx.version());
        List<Object> list = new ArrayList<>();
        for (LoadedPlugin plugin : plugins()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", plugin.name());
            entry.put("version", plugin.descriptor().version());
            list.add(entry);
        }
        p.put("plugins", list);
        p.put("models", loadedModels());
        return p;
    }

    /**
     * A pipeline file, ready to override, validate and run with this runtime's plugins. Its seed,
     * device and batch size come from the file unless overridden on the returned object.
     *
     * <pre>{@code
     * RunResult result = genpipe.pipeline(Path.of("pipelines/latent-walk.yaml"))
     *         .set("images.limit", 10)
     *         .run(Path.of("runs/walk"));
     * }</pre>
     */
    public Pipeline pipeline(Path file) {
        requireOpen();
        return new Pipeline(this, baseDir.resolve(file));
    }

    /** Loads a model file under this runtime's session settings (owned by the runtime). */
    public Model model(Path file) {
        requireOpen();
        return sessions.load(ModelSource.file(baseDir.resolve(file)), settings);
    }

    /** Models loaded so far, for provenance: name, sha256, device. */
    public List<Map<String, Object>> loadedModels() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SessionRegistry.LoadedModel m : sessions.loaded()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", m.name());
            entry.put("sha256", m.sha256());
            entry.put("device", m.device());
            out.add(entry);
        }
        return out;
    }

    /**
     * Runs {@code body} (e.g. validating a pipeline) and returns it with the models it loaded, by name, with
     * the sha256 of the bytes read for it (nothing else should load models on this runtime meanwhile): a distributed runner checks its executors' copies against these.
     */
    public <T> Map.Entry<T, Map<String, String>> withModelsLoaded(Supplier<T> body) {
        requireOpen();
        List<SessionRegistry.LoadedModel> used = new ArrayList<>();
        T result = sessions.recording(used, body);
        Map<String, String> models = new TreeMap<>();
        used.forEach(m -> models.put(m.name(), m.sha256()));
        return Map.entry(result, models);
    }

    /** A random source derived from this runtime's seed and {@code purpose} only. */
    public RandomSource random(String purpose) {
        return new RandomSource(seed).fork(purpose);
    }

    public long seed() {
        return seed;
    }

    @Override
    public ComponentRegistry components() {
        return components;
    }

    public List<LoadedPlugin> plugins() {
        return plugins.plugins();
    }

    /** The folder relative paths in components' parameters resolve against. */
    public Path baseDir() {
        return baseDir;
    }

    public OnnxRuntime onnx() {
        return onnx;
    }

    public SessionSettings sessionSettings() {
        return settings;
    }

    /**
     * Closes components the caller left open, then every session (after in-flight runs finish),
     * then the plugins' class loaders. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Throwable> failures = new ArrayList<>();
        Component c;
        while ((c = created.poll()) != null) {
            try {
                c.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        try {
            sessions.close();
        } catch (RuntimeException e) {
            failures.add(e);
        }
        plugins.close();
        if (!failures.isEmpty()) {
            GenpipeException e = new GenpipeException(
                    "genpipe runtime closed with " + failures.size() + " failure(s)", failures.get(0));
            failures.subList(1, failures.size()).forEach(e::addSuppressed);
            throw e;
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new GenpipeException("this genpipe runtime is closed");
        }
    }

    /** The plugins folders this runtime loaded plugins from, in order. */
    @Override
    public List<Path> pluginsDirs() {
        return pluginsDirs;
    }

    /** Configures and builds a {@link Genpipe}. */
    public static final class Builder {
        private SessionSettings settings = SessionSettings.defaults();
        private final List<Path> pluginsDirs = new ArrayList<>();
        private boolean classPathPlugins = true;
        private long seed = 0;
        private Path baseDir = Path.of("").toAbsolutePath();
        private int sharedPoolThreads = 0;

        private Builder() {}

        /** A directory of third-party plugins: one jar, or one folder of jars, per plugin (null: none). */
        public Builder pluginsDir(Path dir) {
            this.pluginsDirs.clear();
            if (dir != null) {
                this.pluginsDirs.add(dir);
            }
            return this;
        }

        /** Another directory of third-party plugins (e.g. one a pipeline file's {@code plugins:} names). */
        public Builder addPluginsDir(Path dir) {
            this.pluginsDirs.add(Objects.requireNonNull(dir, "dir is null"));
            return this;
        }

        /** Whether plugins on the class path (the builtin one, the family plugins) load. Default true. */
        public Builder classPathPlugins(boolean enabled) {
            this.classPathPlugins = enabled;
            return this;
        }

        /** {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto}. Default cpu. */
        public Builder device(String device) {
            settings = settings.withDevice(DeviceSpec.parse(device));
            return this;
        }

        /** {@code fail} (default) or {@code fallback}. */
        public Builder onMissingDevice(String policy) {
            settings = settings.withOnMissingDevice(MissingDevicePolicy.parse(policy));
            return this;
        }

        /**
         * Each session with its own thread pools of these sizes (0 lets ONNX Runtime decide), instead
         * of the shared pool.
         */
        public Builder threads(int intraOp, int interOp) {
            settings = settings.withThreads(intraOp, interOp);
            return this;
        }

        /**
         * Sessions share one intra-op pool of {@code threads} threads (0, the default: ONNX Runtime's
         * choice, one per physical core). The pool is the process's: it is sized when the first
         * runtime of the process starts ONNX Runtime, and later runtimes use it as it is.
         */
        public Builder sharedThreads(int threads) {
            if (threads < 0) {
                throw new GenpipeException(
                        "shared pool threads must be >= 0 (0 = ONNX Runtime's default), got " + threads);
            }
            this.sharedPoolThreads = threads;
            settings = settings.withSharedPool(true);
            return this;
        }

        /** {@code none}, {@code basic}, {@code extended} or {@code all} (default). */
        public Builder optimization(String level) {
            settings = settings.withOptimization(OptimizationLevel.parse(level));
            return this;
        }

        /** A folder to cache optimized graphs in, cutting later start-ups. */
        public Builder optimizedModelCache(Path folder) {
            settings = settings.withOptimizedModelCache(folder);
            return this;
        }

        public Builder sessionSettings(SessionSettings sessionSettings) {
            this.settings = Objects.requireNonNull(sessionSettings, "sessionSettings is null");
            return this;
        }

        /** The seed every random source of this runtime derives from. Default 0. */
        public Builder seed(long newSeed) {
            this.seed = newSeed;
            return this;
        }

        /** Folder relative path parameters resolve against. Default: the working directory. */
        public Builder baseDir(Path dir) {
            this.baseDir = dir.toAbsolutePath().normalize();
            return this;
        }

        /** Whether sessions share the process's intra-op pool or each has its own. Default shared. */
        public Builder threadPool(ThreadPool pool) {
            settings = settings.withSharedPool(pool == ThreadPool.SHARED);
            return this;
        }

        /**
         * Applies string settings, as a CLI or a properties file has them: each key is one of {@link Setting}'s
         * (its {@link Setting#key()}), its value converted and checked as that setting's builder method does.
         *
         * @throws GenpipeException for an unknown key (with a did-you-mean) or a bad value
         */
        public Builder configure(Map<String, String> values) {
            for (Map.Entry<String, String> e : values.entrySet()) {
                Setting.of(e.getKey()).apply(this, e.getValue());
            }
            return this;
        }

        /**
         * Loads plugins and wires the runtime.
         *
         * @throws io.genpipe.runtime.plugin.PluginLoadException listing every broken plugin
         */
        public Genpipe build() {
            OnnxRuntime onnx = new OnnxRuntime(sharedPoolThreads);
            PluginSet plugins = PluginManager.forHost().load(classPathPlugins, pluginsDirs);
            try {
                return new Genpipe(this, onnx, plugins);
            } catch (RuntimeException e) {
                plugins.close();
                throw e;
            }
        }
    }

    /** The settings {@link Builder#configure} takes by name, each applied through its typed builder method. */
    @SuppressWarnings("ImmutableEnumChecker") // each constant's function is a stateless lambda
    public enum Setting {
        DEVICE("device", Builder::device),
        ON_MISSING_DEVICE("onMissingDevice", Builder::onMissingDevice),
        THREADS("threads", (b, v) -> b.sharedThreads(count("threads", v))),
        THREAD_POOL(
                "threadPool",
                (b, v) -> b.threadPool(ThreadPool.parse(v)
                        .orElseThrow(() -> new GenpipeException(
                                "Setting 'threadPool' must be shared or per-session, got '" + v + "'")))),
        INTRA_OP_THREADS(
                "intraOpThreads", (b, v) -> b.threads(count("intraOpThreads", v), b.settings.interOpThreads())),
        INTER_OP_THREADS(
                "interOpThreads", (b, v) -> b.threads(b.settings.intraOpThreads(), count("interOpThreads", v))),
        OPTIMIZATION("optimization", Builder::optimization),
        OPTIMIZED_MODEL_CACHE("optimizedModelCache", (b, v) -> b.optimizedModelCache(Path.of(v))),
        PLUGINS_DIR("pluginsDir", (b, v) -> b.pluginsDir(Path.of(v))),
        SEED("seed", (b, v) -> b.seed(count("seed", v)));

        private final String key;
        private final BiConsumer<Builder, String> apply;

        Setting(String key, BiConsumer<Builder, String> apply) {
            this.key = key;
            this.apply = apply;
        }

        /** The name a properties file or {@link Builder#configure} uses. */
        public String key() {
            return key;
        }

        void apply(Builder builder, String value) {
            apply.accept(builder, value);
        }

        /**
         * The setting named {@code key}.
         *
         * @throws GenpipeException naming the known ones (with a did-you-mean) when there is none
         */
        public static Setting of(String key) {
            List<String> known = new ArrayList<>();
            for (Setting s : values()) {
                if (s.key.equals(key)) {
                    return s;
                }
                known.add(s.key);
            }
            throw new GenpipeException("Unknown setting '" + key + "'" + DidYouMean.hint(key, known)
                    + " (known settings: " + String.join(", ", known) + ")");
        }

        private static int count(String key, String value) {
            try {
                int n = Integer.parseInt(value.trim());
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new GenpipeException("Setting '" + key + "' must be a non-negative integer, got '" + value + "'");
            }
        }
    }
}
