package io.genpipe.api.spi;

import io.genpipe.api.Scorer;
import io.genpipe.api.Role;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/** Builds {@link Scorer}s. */
public interface ScorerFactory extends ComponentFactory<Scorer> {

    @Override
    default Role role() {
        return Role.SCORER;
    }

    /**
     * A factory from its parts, for the common case of a factory that is just a name, a line of
     * help, parameters and a constructor call:
     *
     * <pre>{@code
     * ScorerFactory.of("my-scorer", "what it does", List.of(...), MyScorer::new)
     * }</pre>
     */
    static ScorerFactory of(String name, String description, List<ParameterSpec> parameters,
                          BiFunction<Parameters, PluginContext, ? extends Scorer> create) {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(description, "description is null");
        List<ParameterSpec> specs = List.copyOf(parameters);
        Objects.requireNonNull(create, "create is null");
        return new ScorerFactory() {
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
            public Scorer create(Parameters p, PluginContext context) {
                return create.apply(p, context);
            }

            @Override
            public String toString() {
                return "ScorerFactory(" + name + ")";
            }
        };
    }
}
