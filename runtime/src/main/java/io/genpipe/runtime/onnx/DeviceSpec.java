package io.genpipe.runtime.onnx;

import io.genpipe.api.GenpipeException;
import java.util.Locale;

/**
 * Where a session should run: {@code cpu}, {@code cuda} / {@code cuda:N}, or {@code auto} (CUDA
 * device 0 when it really loads, else CPU).
 */
public record DeviceSpec(Kind kind, int index) {

    public enum Kind {
        CPU,
        CUDA,
        AUTO
    }

    public static final DeviceSpec CPU = new DeviceSpec(Kind.CPU, 0);
    public static final DeviceSpec AUTO = new DeviceSpec(Kind.AUTO, 0);

    public DeviceSpec {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0: " + index);
        }
    }

    public static DeviceSpec cuda(int index) {
        return new DeviceSpec(Kind.CUDA, index);
    }

    /**
     * Parses {@code cpu}, {@code cuda}, {@code cuda:1} or {@code auto}.
     *
     * @throws GenpipeException saying what is accepted
     */
    public static DeviceSpec parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("auto")) {
            return AUTO;
        }
        if (t.equals("cuda")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (IllegalArgumentException e) {
                // falls through to the error below
            }
        }
        throw new GenpipeException("Unknown device '" + text + "'; expected cpu, cuda, cuda:N (N = 0, 1, ...) or auto");
    }

    @Override
    public String toString() {
        return kind == Kind.CUDA ? "cuda:" + index : kind.name().toLowerCase(Locale.ROOT);
    }
}
