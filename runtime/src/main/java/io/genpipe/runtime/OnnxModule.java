package io.genpipe.runtime;

import com.google.inject.AbstractModule;
import io.genpipe.runtime.onnx.OnnxRuntime;
import io.genpipe.runtime.onnx.SessionRegistry;
import io.genpipe.runtime.onnx.SessionSettings;

/**
 * Binds the ONNX Runtime layer. The registry is created (and closed) by {@link Genpipe}, not by
 * Guice: modules stay free of side effects and Guice never owns a closeable.
 */
final class OnnxModule extends AbstractModule {

    private final OnnxRuntime onnx;
    private final SessionRegistry sessions;
    private final SessionSettings settings;

    OnnxModule(OnnxRuntime onnx, SessionRegistry sessions, SessionSettings settings) {
        this.onnx = onnx;
        this.sessions = sessions;
        this.settings = settings;
    }

    @Override
    protected void configure() {
        bind(OnnxRuntime.class).toInstance(onnx);
        bind(SessionRegistry.class).toInstance(sessions);
        bind(SessionSettings.class).toInstance(settings);
    }
}
