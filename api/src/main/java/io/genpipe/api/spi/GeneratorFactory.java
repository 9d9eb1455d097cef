package io.genpipe.api.spi;

import io.genpipe.api.Generator;
import io.genpipe.api.Role;
import java.util.List;
import java.util.function.BiFunction;

/** Builds {@link Generator}s. */
public interface GeneratorFactory extends ComponentFactory<Generator> {

    @Override
    default Role role() {
        return Role.GENERATOR;
    }

    /**
     * A factory from its parts, for the common case of a factory that is just a name, a line of
     * help, parameters and a constructor call:
     *
     * <pre>{@code
     * GeneratorFactory.of("my-generator", "what it does", List.of(...), MyGenerator::new)
     * }</pre>
     */
    static GeneratorFactory of(
            String name,
            String description,
            List<ParameterSpec> parameters,
            BiFunction<Parameters, PluginContext, ? extends Generator> create) {
        class Of extends SimpleFactory<Generator> implements GeneratorFactory {
            Of() {
                super(name, description, parameters, create);
            }
        }
        return new Of();
    }
}
