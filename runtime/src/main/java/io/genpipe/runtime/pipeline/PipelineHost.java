package io.genpipe.runtime.pipeline;

import io.genpipe.api.Component;
import io.genpipe.api.Role;
import io.genpipe.runtime.component.ComponentRegistry;
import io.genpipe.runtime.step.BuiltinStep;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the pipeline engine needs from the runtime hosting it: the catalog of components, a way to
 * build one for a pipeline, and provenance for run.json. {@link io.genpipe.runtime.Genpipe} is
 * the host an embedder has; the engine does not depend on the facade.
 */
public interface PipelineHost {

    /** Every component the runtime's plugins provide. */
    ComponentRegistry components();

    /** The built-in steps by name, in listing order. */
    Map<String, BuiltinStep> steps();

    /** The plugins folders the runtime loaded plugins from (for messages). */
    default List<Path> pluginsDirs() {
        return List.of();
    }

    /**
     * Builds a component for {@code pipeline}: relative paths resolve against the pipeline's
     * folder, randomness derives from the pipeline's seed, models load on the pipeline's device.
     * The host owns (and closes) what it builds.
     */
    <T extends Component> T create(Role role, String name, Map<String, ?> parameters, PipelineDefinition pipeline);

    /**
     * What run.json records about the runtime for a run of {@code pipeline}: {@code device},
     * {@code genpipe} (version), {@code onnxruntime} (version), {@code plugins} (name, version) and
     * {@code models} (name, sha256, device), in that order.
     */
    Map<String, Object> provenance(PipelineDefinition pipeline);
}
