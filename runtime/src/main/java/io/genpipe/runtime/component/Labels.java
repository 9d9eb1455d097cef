package io.genpipe.runtime.component;

import java.util.Locale;
import java.util.Optional;

/** Enums written in files and options by a label ({@code shared}, {@code per-session}, {@code warn}, {@code fail}). */
public final class Labels {

    private Labels() {}

    /** An enum constant's label, as written in files and options. */
    public interface Labelled {
        String label();
    }

    /** The constant of {@code type} whose label {@code text} is (case and surrounding space ignored), if any. */
    public static <E extends Enum<E> & Labelled> Optional<E> parse(Class<E> type, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.label().equals(t)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
