package io.genpipe.runtime.onnx;

import io.genpipe.api.GenpipeException;
import java.util.Locale;

/** What to do when {@code device: cuda} is asked for and the CUDA provider does not load. */
public enum MissingDevicePolicy {
    /** Stop with an error naming the reason. */
    FAIL,
    /** Run on CPU, logging a warning with the reason. */
    FALLBACK;

    public static MissingDevicePolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new GenpipeException("Unknown onMissingDevice '" + text + "'; expected fail or fallback");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
