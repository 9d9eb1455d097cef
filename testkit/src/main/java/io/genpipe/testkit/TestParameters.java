package io.genpipe.testkit;

import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.component.ParameterBinder;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link Parameters} for calling a factory directly in a unit test, made exactly as the host makes
 * them: values checked and converted to their declared types, defaults filled in, relative paths
 * resolved against the working directory.
 *
 * <pre>{@code
 * Parameters p = TestParameters.of(new SharpnessFactory(), Map.of("scale", 2));
 * p.getString("mode");   // its default
 * }</pre>
 */
public final class TestParameters {

    private TestParameters() {}

    /**
     * The factory's parameters bound from {@code values}, as a pipeline file's {@code with:} would be.
     *
     * @throws io.genpipe.runtime.component.ParameterException listing every problem, as a pipeline
     *     file would get them
     */
    public static Parameters of(ComponentFactory<?> factory, Map<String, ?> values) {
        return ParameterBinder.bind(factory, values, Path.of("").toAbsolutePath());
    }

    /** Every parameter at its default. */
    public static Parameters defaults(ComponentFactory<?> factory) {
        return of(factory, Map.of());
    }
}
