package io.genpipe.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM handled by the command instead of the JVM's immediate shutdown: the first
 * signal asks {@code stop} to end the work in progress (which then finishes by itself, cleanly);
 * when there is none to stop, or on a second signal, the JVM exits with 128 + the signal number
 * as it would have.
 */
final class Signals {

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private volatile int received;

    private Signals() {}

    static Signals install(BooleanSupplier stop) {
        Signals s = new Signals();
        for (String name : List.of("INT", "TERM")) {
            Signal signal = new Signal(name);
            try {
                s.previous.add(Signal.handle(signal, sig -> s.on(sig, stop)));
                s.signals.add(signal);
            } catch (IllegalArgumentException unavailable) {
                // e.g. the JVM runs with -Xrs, or the signal is ignored: keep the JVM's behaviour
            }
        }
        return s;
    }

    private void on(Signal signal, BooleanSupplier stop) {
        boolean first = received == 0;
        received = signal.getNumber();
        if (!first || !stop.getAsBoolean()) {
            Main.exit(128 + signal.getNumber());
        }
    }

    /** The number of the signal received, or 0. */
    int received() {
        return received;
    }

    void uninstall() {
        for (int i = 0; i < signals.size(); i++) {
            try {
                Signal.handle(signals.get(i), previous.get(i));
            } catch (IllegalArgumentException e) {
                // nothing to restore
            }
        }
    }
}
