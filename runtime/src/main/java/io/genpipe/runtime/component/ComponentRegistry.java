package io.genpipe.runtime.component;

import com.google.inject.Inject;
import io.genpipe.api.Component;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.Role;
import io.genpipe.api.spi.ComponentFactory;
import io.genpipe.api.spi.InvalidParameterException;
import io.genpipe.api.spi.Parameters;
import io.genpipe.runtime.onnx.SessionRegistry;
import io.genpipe.runtime.onnx.SessionSettings;
import io.genpipe.runtime.plugin.BoundedCall;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Every component factory of a runtime, by name. An unknown name fails listing the known ones of
 * that role, with a did-you-mean.
 */
public final class ComponentRegistry {

    private final Map<String, RegisteredFactory> factories;
    private final SessionRegistry sessions;

    @Inject
    public ComponentRegistry(Map<String, RegisteredFactory> factories, SessionRegistry sessions) {
        this.factories = Collections.unmodifiableMap(new TreeMap<>(factories));
        this.sessions = sessions;
    }

    /** All factories, sorted by name. */
    public List<RegisteredFactory> all() {
        return List.copyOf(factories.values());
    }

    public Optional<RegisteredFactory> find(String name) {
        return Optional.ofNullable(factories.get(name));
    }

    /**
     * The factory named {@code name} for {@code role}.
     *
     * @throws GenpipeException "Unknown scorer 'x'; did you mean 'y'? Known scorers: [...]", or
     *     "'x' is a sampler, not a scorer" when the name exists for another role
     */
    public RegisteredFactory require(Role role, String name) {
        RegisteredFactory found = factories.get(name);
        if (found != null && found.factory().role() == role) {
            return found;
        }
        if (found != null) {
            throw new GenpipeException(
                    "'" + name + "' is a " + found.factory().role().label() + ", not a " + role.label()
                            + " (from plugin " + found.plugin().describe() + ")");
        }
        List<String> known = factories.values().stream()
                .filter(f -> f.factory().role() == role)
                .map(RegisteredFactory::name)
                .collect(Collectors.toList());
        throw new GenpipeException("Unknown " + role.label() + " '" + name + "'" + DidYouMean.hint(name, known)
                + " (known " + role.label() + "s: " + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
    }

    /**
     * Checks {@code rawParameters} against the factory and builds the component.
     *
     * @param baseDir folder relative path parameters resolve against
     * @throws ParameterException listing every parameter problem
     * @throws GenpipeException naming the component and plugin when the factory fails
     */
    public <T extends Component> T create(
            Role role, String name, Map<String, ?> rawParameters, Path baseDir, SessionSettings settings, long seed) {
        RegisteredFactory registered = require(role, name);
        ComponentFactory<?> factory = registered.factory();
        Parameters parameters = ParameterBinder.bind(factory, rawParameters, baseDir);
        Component component;
        try {
            component = createBounded(
                    registered,
                    () -> factory.create(
                            parameters, new RuntimePluginContext(registered.plugin(), sessions, settings, seed)));
        } catch (InvalidParameterException e) {
            throw new ParameterException(
                    List.of("parameter '" + e.parameter() + "' of " + role.label() + " '" + name + "': "
                            + e.getMessage()),
                    List.of(e.parameter()));
        } catch (GenpipeException e) {
            throw new GenpipeException(role.label() + " '" + name + "' could not be created: " + e.getMessage(), e);
        } catch (RuntimeException | LinkageError | VirtualMachineError e) {
            throw new GenpipeException(
                    role.label() + " '" + name + "' (plugin "
                            + registered.plugin().describe() + ") could not be created: "
                            + PluginFailures.describe(e, registered.plugin().classLoader()),
                    e);
        }
        if (component == null || !role.type().isInstance(component)) {
            throw new GenpipeException(role.label() + " '" + name + "' (plugin "
                    + registered.plugin().describe()
                    + "): its factory returned "
                    + (component == null ? "null" : component.getClass().getName())
                    + " instead of a " + role.type().getSimpleName());
        }
        @SuppressWarnings("unchecked")
        T typed = (T) role.type().cast(component);
        return typed;
    }

    /** Names by role, for listings. */
    public Map<Role, List<String>> namesByRole() {
        Map<Role, List<String>> byRole = new TreeMap<>();
        for (RegisteredFactory f : factories.values()) {
            byRole.computeIfAbsent(f.factory().role(), r -> new ArrayList<>()).add(f.name());
        }
        return byRole;
    }

    /** How long a factory's {@code create} may take before genpipe gives up on it (GENPIPE_CREATE_TIMEOUT_S). */
    static final Duration CREATE_LIMIT = BoundedCall.limit("GENPIPE_CREATE_TIMEOUT_S", 120);

    static final long CREATE_TIMEOUT_S = CREATE_LIMIT.toSeconds();

    /**
     * Runs a plugin factory through a {@link BoundedCall} (its own thread, the plugin's class loader as the context
     * loader, never the host's), giving up after {@link #CREATE_LIMIT}: a plugin that spins in its factory or
     * constructor ends in a message, not a hang. A component that arrives after that is closed.
     */
    private static Component createBounded(RegisteredFactory registered, Supplier<Component> create) {
        BoundedCall.Outcome<Component> outcome;
        try {
            outcome = BoundedCall.run(
                    "genpipe-create-" + registered.name(),
                    registered.plugin().classLoader(),
                    CREATE_LIMIT,
                    create,
                    Component::close);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GenpipeException("interrupted while creating "
                    + registered.factory().role().label() + " '" + registered.name() + "'");
        }
        if (outcome instanceof BoundedCall.Returned<Component> r) {
            return r.value();
        }
        if (outcome instanceof BoundedCall.Threw<Component> f) {
            Throwable t = f.error();
            if (t instanceof RuntimeException runtimeException) {
                throw runtimeException;
            }
            if (t instanceof Error error) {
                throw error;
            }
            throw new GenpipeException(t.toString(), t);
        }
        throw new GenpipeException("its factory did not return within " + CREATE_TIMEOUT_S + " s, so genpipe gave up"
                + " on it (plugin " + registered.plugin().describe() + "; is its factory or constructor stuck in a"
                + " loop? GENPIPE_CREATE_TIMEOUT_S sets the limit)");
    }
}
