package io.genpipe.api.spi;

import io.genpipe.api.Component;
import io.genpipe.api.Role;
import java.util.List;

/**
 * Builds one kind of component by name. The host validates the configuration against
 * {@link #parameters()} before calling {@link #create}: missing required parameters, unknown keys
 * and ill-typed values never reach the factory.
 *
 * @param <T> the role interface the factory builds
 */
public interface ComponentFactory<T extends Component> {

    /**
     * The name a pipeline's {@code use:} refers to, unique across all plugins of a runtime:
     * lower-case words joined by dashes, e.g. {@code vae-anomaly-scorer}.
     */
    String name();

    Role role();

    /** One line for {@code genpipe plugins}. */
    default String description() {
        return "";
    }

    /** Parameters {@link #create} accepts. */
    default List<ParameterSpec> parameters() {
        return List.of();
    }

    /**
     * Builds a component. May load models through {@code context}; the runtime owns those.
     *
     * @throws io.genpipe.api.GenpipeException with a message for people when the parameters
     *     cannot work together (e.g. a model whose ports do not fit)
     */
    T create(Parameters parameters, PluginContext context);
}
