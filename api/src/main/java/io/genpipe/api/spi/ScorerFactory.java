package io.genpipe.api.spi;

import io.genpipe.api.Role;
import io.genpipe.api.Scorer;
import java.util.List;
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
    static ScorerFactory of(
            String name,
            String description,
            List<ParameterSpec> parameters,
            BiFunction<Parameters, PluginContext, ? extends Scorer> create) {
        class Of extends SimpleFactory<Scorer> implements ScorerFactory {
            Of() {
                super(name, description, parameters, create);
            }
        }
        return new Of();
    }
}
