package io.genpipe.runtime.step;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;

/**
 * Contributes the built-in steps to the catalog, by name, the way each plugin's module contributes
 * its components: the same name bound twice fails when the injector is built. No side effects.
 */
public final class BuiltinStepsModule extends AbstractModule {

    @Override
    protected void configure() {
        MapBinder<String, BuiltinStep> byName = MapBinder.newMapBinder(binder(), String.class, BuiltinStep.class);
        for (BuiltinStep step : BuiltinSteps.definitions()) {
            byName.addBinding(step.name()).toInstance(step);
        }
    }
}
