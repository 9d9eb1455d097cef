package io.genpipe.api.spi;

import io.genpipe.api.Sampler;
import io.genpipe.api.Role;
import java.util.List;
import java.util.Objects;
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
    static SamplerFactory of(String name, String description, List<ParameterSpec> parameters,
                          BiFunction<Parameters, PluginContext, ? extends Sampler> create) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(description, "description is null");
        List<ParameterSpec> specs = List.copyOf(parameters);
        Objects.requireNonNull(create, "create is null");
        return new SamplerFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public List<ParameterSpec> parameters() {
                return specs;
            }

            @Override
            public Sampler create(Parameters p, PluginContext context) {
                return create.apply(p, context);
            }

            @Override
            public String toString() {
                return "SamplerFactory(" + name + ")";
            }
        };
    }
}
