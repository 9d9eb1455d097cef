package io.genpipe.api.spi;

import io.genpipe.api.Encoder;
import io.genpipe.api.Role;
import java.util.List;
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
    static EncoderFactory of(
            String name,
            String description,
            List<ParameterSpec> parameters,
            BiFunction<Parameters, PluginContext, ? extends Encoder> create) {
        class Of extends SimpleFactory<Encoder> implements EncoderFactory {
            Of() {
                super(name, description, parameters, create);
            }
        }
        return new Of();
    }
}
