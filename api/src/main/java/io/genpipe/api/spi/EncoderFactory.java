package io.genpipe.api.spi;

import io.genpipe.api.Encoder;
import io.genpipe.api.Role;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/** Builds {@link Encoder}s. */
public interface EncoderFactory extends ComponentFactory<Encoder> {

    @Override
    default Role role() {
        return Role.ENCODER;
    }

    /**
     * A factory from its parts, for the common case of a factory that is just a name, a line of
     * help, parameters and a constructor call:
     *
     * <pre>{@code
     * EncoderFactory.of("my-encoder", "what it does", List.of(...), MyEncoder::new)
     * }</pre>
     */
    static EncoderFactory of(String name, String description, List<ParameterSpec> parameters,
                          BiFunction<Parameters, PluginContext, ? extends Encoder> create) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(description, "description is null");
        List<ParameterSpec> specs = List.copyOf(parameters);
        Objects.requireNonNull(create, "create is null");
        return new EncoderFactory() {
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
            public Encoder create(Parameters p, PluginContext context) {
                return create.apply(p, context);
            }

            @Override
            public String toString() {
                return "EncoderFactory(" + name + ")";
            }
        };
    }
}
