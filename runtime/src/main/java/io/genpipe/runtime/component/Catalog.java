package io.genpipe.runtime.component;

import com.google.inject.Inject;
import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.step.BuiltinStep;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a pipeline's {@code use:} can name: the built-in steps and the plugins' components,
 * each contributed by its own Guice module (MapBinder) and listed together. A component may not
 * take a built-in step's name.
 */
public final class Catalog {

    private final Map<String, BuiltinStep> steps;
    private final ComponentRegistry components;

    @Inject
    public Catalog(Map<String, BuiltinStep> steps, ComponentRegistry components) {
        this.steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
        this.components = components;
        List<String> clashes = new ArrayList<>();
        for (RegisteredFactory f : components.all()) {
            if (steps.containsKey(f.name())) {
                clashes.add("the " + f.factory().role().label() + " '" + f.name() + "' of plugin "
                        + f.plugin().describe() + " has the name of a built-in step; rename the component");
            }
        }
        if (!clashes.isEmpty()) {
            throw new GenpipeException(String.join("; ", clashes));
        }
    }

    /** The built-in steps by name, in listing order. */
    public Map<String, BuiltinStep> steps() {
        return steps;
    }

    /** The plugins' components. */
    public ComponentRegistry components() {
        return components;
    }

    /** Every name a pipeline may use: built-in steps first, then components by name. */
    public List<String> names() {
        List<String> all = new ArrayList<>(steps.keySet());
        components.all().forEach(f -> all.add(f.name()));
        return all;
    }
}
