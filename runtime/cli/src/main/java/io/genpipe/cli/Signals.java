package io.genpipe.cli;

import io.genpipe.runtime.pipeline.run.Cancellation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * SIGINT and SIGTERM handled by the command instead of the JVM's immediate shutdown: the first
 * signal asks {@code stop} to end the work in progress (which then finishes by itself, cleanly);
 * when there is none to stop, or on a second signal, the JVM exits with 128 + the signal number
 * as it would have. Should the work not end within {@link #GIVE_UP} of the first signal (plugin code that ignores
 * interruption and keeps its thread), {@code abandon} removes its partial output and the JVM halts with 128 + the
 * signal number: a stop always ends genpipe, within a bound, leaving nothing behind.
 *
 * <p>{@code sun.misc.Signal} (module jdk.unsupported) is the JDK's only way to handle a signal without exiting. It is
 * reached by reflection: javac warns about every mention of it and no annotation silences that warning, while the
 * build fails on warnings.
 */
final class Signals {

    private final List<Object> signals = new ArrayList<>();
    private final List<Object> previous = new ArrayList<>();
    private volatile int received;

    private Signals() {}

    /** How long after the first signal genpipe ends whether or not the work has. */
    static final Duration GIVE_UP = Cancellation.GRACE.plusSeconds(5);

    static Signals install(BooleanSupplier stop, Runnable abandon) {
        Signals s = new Signals();
        for (String name : List.of("INT", "TERM")) {
            try {
                Object signal = Api.SIGNAL.getConstructor(String.class).newInstance(name);
                int number = (Integer) Api.NUMBER.invoke(signal);
                Object handler = Proxy.newProxyInstance(
                        Signals.class.getClassLoader(), new Class<?>[] {Api.HANDLER}, (proxy, method, args) -> {
                            if (method.getName().equals("handle")) {
                                s.on(number, stop, abandon);
                                return null;
                            }
                            return switch (method.getName()) {
                                case "hashCode" -> System.identityHashCode(proxy);
                                case "equals" -> proxy == args[0];
                                default -> "genpipe signal handler";
                            };
                        });
                s.previous.add(Api.HANDLE.invoke(null, signal, handler));
                s.signals.add(signal);
            } catch (InvocationTargetException unavailable) {
                // e.g. the JVM runs with -Xrs, or the signal is ignored: keep the JVM's behaviour
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // no sun.misc.Signal in this JVM: the JVM's own handling stays
            }
        }
        return s;
    }

    private void on(int number, BooleanSupplier stop, Runnable abandon) {
        boolean first = received == 0;
        received = number;
        if (!first || !stop.getAsBoolean()) {
            Main.exit(128 + number);
            return;
        }
        Thread watchdog = new Thread(
                () -> {
                    try {
                        Thread.sleep(GIVE_UP.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                    System.err.println("genpipe: the run did not end within " + GIVE_UP.toSeconds()
                            + " s of the signal (a plugin ignores interruption); ending without it, nothing written");
                    System.err.flush();
                    abandon.run();
                    Runtime.getRuntime().halt(128 + number);
                },
                "genpipe-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** The number of the signal received, or 0. */
    int received() {
        return received;
    }

    void uninstall() {
        for (int i = 0; i < signals.size(); i++) {
            try {
                Api.HANDLE.invoke(null, signals.get(i), previous.get(i));
            } catch (ReflectiveOperationException | RuntimeException e) {
                // nothing to restore
            }
        }
    }

    /** The parts of {@code sun.misc.Signal} used, looked up once. */
    private static final class Api {
        static final Class<?> SIGNAL = load("sun.misc.Signal");
        static final Class<?> HANDLER = load("sun.misc.SignalHandler");
        static final Method HANDLE = method(SIGNAL, "handle", SIGNAL, HANDLER);
        static final Method NUMBER = method(SIGNAL, "getNumber");

        private static Class<?> load(String name) {
            try {
                return Class.forName(name);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(name + " is missing from this JVM", e);
            }
        }

        private static Method method(Class<?> type, String name, Class<?>... parameters) {
            try {
                return type.getMethod(name, parameters);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(type.getName() + "." + name + " is missing from this JVM", e);
            }
        }
    }
}
