package io.genpipe.api.spi;

import io.genpipe.api.Role;
import io.genpipe.api.Sampler;
import java.util.List;
import java.util.function.BiFunction;

/** Builds {@link Sampler}s. */
public interface SamplerFactory extends ComponentFactory<Sampler> {

    @Override
    default Role role() {
        return Role.SAMPLER;
    }

    /**
     * A factory from its parts, for the common case of a factory that is just a name, a line of
     * help, parameters and a constructor call:
     *
     * <pre>{@code
     * SamplerFactory.of("my-sampler", "what it does", List.of(...), MySampler::new)
     * }</pre>
     */
    static SamplerFactory of(
            String name,
            String description,
            List<ParameterSpec> parameters,
            BiFunction<Parameters, PluginContext, ? extends Sampler> create) {
        class Of extends SimpleFactory<Sampler> implements SamplerFactory {
            Of() {
                super(name, description, parameters, create);
            }
        }
        return new Of();
    }
}
