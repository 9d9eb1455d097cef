package io.genpipe.api.spi;

import io.genpipe.api.Component;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/** The parts behind {@code GeneratorFactory.of} and its siblings: one implementation for all four roles. */
abstract class SimpleFactory<T extends Component> implements ComponentFactory<T> {

    private final String name;
    private final String description;
    private final List<ParameterSpec> parameters;
    private final BiFunction<Parameters, PluginContext, ? extends T> create;

    SimpleFactory(
            String name,
            String description,
            List<ParameterSpec> parameters,
            BiFunction<Parameters, PluginContext, ? extends T> create) {
        this.name = Objects.requireNonNull(name, "name is null");
        this.description = Objects.requireNonNull(description, "description is null");
        this.parameters = List.copyOf(parameters);
        this.create = Objects.requireNonNull(create, "create is null");
    }

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
        return parameters;
    }

    @Override
    public T create(Parameters p, PluginContext context) {
        return create.apply(p, context);
    }

    @Override
    public String toString() {
        return role().label() + " factory " + name;
    }
}
