package io.genpipe.runtime.onnx;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How sessions are created; part of the session cache key.
 *
 * @param device where to run
 * @param onMissingDevice what to do when CUDA is asked for and does not load
 * @param intraOpThreads threads inside one operator; 0 lets ONNX Runtime decide
 * @param interOpThreads threads across operators; 0 lets ONNX Runtime decide
 * @param optimization graph optimization level
 * @param optimizedModelCache folder where optimized graphs are cached across processes to cut
 *     start-up, or null for none
 */
public record SessionSettings(DeviceSpec device, MissingDevicePolicy onMissingDevice, int intraOpThreads,
                              int interOpThreads, OptimizationLevel optimization, Path optimizedModelCache) {

    public SessionSettings {
        Objects.requireNonNull(device, "device is null");
        Objects.requireNonNull(onMissingDevice, "onMissingDevice is null");
        Objects.requireNonNull(optimization, "optimization is null");
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0 (0 = ONNX Runtime's default)");
        }
    }

    /** CPU, fail on a missing device, ONNX Runtime's thread defaults, all optimizations, no cache. */
    public static SessionSettings defaults() {
        return new SessionSettings(DeviceSpec.CPU, MissingDevicePolicy.FAIL, 0, 0, OptimizationLevel.ALL, null);
    }

    public SessionSettings withDevice(DeviceSpec newDevice) {
        return new SessionSettings(newDevice, onMissingDevice, intraOpThreads, interOpThreads, optimization,
                optimizedModelCache);
    }

    public SessionSettings withOnMissingDevice(MissingDevicePolicy policy) {
        return new SessionSettings(device, policy, intraOpThreads, interOpThreads, optimization, optimizedModelCache);
    }

    public SessionSettings withThreads(int intraOp, int interOp) {
        return new SessionSettings(device, onMissingDevice, intraOp, interOp, optimization, optimizedModelCache);
    }

    public SessionSettings withOptimization(OptimizationLevel level) {
        return new SessionSettings(device, onMissingDevice, intraOpThreads, interOpThreads, level, optimizedModelCache);
    }

    public SessionSettings withOptimizedModelCache(Path folder) {
        return new SessionSettings(device, onMissingDevice, intraOpThreads, interOpThreads, optimization, folder);
    }
}
