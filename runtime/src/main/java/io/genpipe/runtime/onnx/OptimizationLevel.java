package io.genpipe.runtime.onnx;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.genpipe.api.GenpipeException;
import java.util.Locale;

/** ONNX Runtime graph optimization levels, by the names a config file uses. */
public enum OptimizationLevel {
    NONE(OptLevel.NO_OPT),
    BASIC(OptLevel.BASIC_OPT),
    EXTENDED(OptLevel.EXTENDED_OPT),
    ALL(OptLevel.ALL_OPT);

    private final OptLevel ort;

    OptimizationLevel(OptLevel ort) {
        this.ort = ort;
    }

    OptLevel ort() {
        return ort;
    }

    public static OptimizationLevel parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new GenpipeException(
                    "Unknown optimization level '" + text + "'; expected none, basic, extended or all");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
