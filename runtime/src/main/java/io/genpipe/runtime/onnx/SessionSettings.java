package io.genpipe.runtime.onnx;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How sessions are created; part of the session cache key.
 *
 * @param device where to run
 * @param onMissingDevice what to do when CUDA is asked for and does not load
 * @param sharedPool whether sessions use the process's shared intra-op pool (when it has one:
 *     {@link OnnxRuntime#hasSharedPool()}) instead of each spinning its own; the thread counts
 *     below then do not apply
 * @param intraOpThreads threads inside one operator, for a session's own pool; 0 lets ONNX Runtime decide
 * @param interOpThreads threads across operators, for a session's own pool; 0 lets ONNX Runtime decide
 * @param optimization graph optimization level
 * @param optimizedModelCache folder where optimized graphs are cached across processes to cut
 *     start-up, or null for none
 */
public record SessionSettings(
        DeviceSpec device,
        MissingDevicePolicy onMissingDevice,
        boolean sharedPool,
        int intraOpThreads,
        int interOpThreads,
        OptimizationLevel optimization,
        Path optimizedModelCache) {

    public SessionSettings {
        Objects.requireNonNull(device, "device is null");
        Objects.requireNonNull(onMissingDevice, "onMissingDevice is null");
        Objects.requireNonNull(optimization, "optimization is null");
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0 (0 = ONNX Runtime's default)");
        }
    }

    /** CPU, fail on a missing device, the shared thread pool, all optimizations, no cache. */
    public static SessionSettings defaults() {
        return new SessionSettings(DeviceSpec.CPU, MissingDevicePolicy.FAIL, true, 0, 0, OptimizationLevel.ALL, null);
    }

    public SessionSettings withDevice(DeviceSpec newDevice) {
        return new SessionSettings(
                newDevice,
                onMissingDevice,
                sharedPool,
                intraOpThreads,
                interOpThreads,
                optimization,
                optimizedModelCache);
    }

    public SessionSettings withOnMissingDevice(MissingDevicePolicy policy) {
        return new SessionSettings(
                device, policy, sharedPool, intraOpThreads, interOpThreads, optimization, optimizedModelCache);
    }

    /** Each session with its own pools of these sizes (0: ONNX Runtime's default), not the shared pool. */
    public SessionSettings withThreads(int intraOp, int interOp) {
        return new SessionSettings(device, onMissingDevice, false, intraOp, interOp, optimization, optimizedModelCache);
    }

    /** Sessions on the process's shared pool ({@code true}) or each on its own ({@code false}). */
    public SessionSettings withSharedPool(boolean shared) {
        return new SessionSettings(
                device, onMissingDevice, shared, intraOpThreads, interOpThreads, optimization, optimizedModelCache);
    }

    public SessionSettings withOptimization(OptimizationLevel level) {
        return new SessionSettings(
                device, onMissingDevice, sharedPool, intraOpThreads, interOpThreads, level, optimizedModelCache);
    }

    public SessionSettings withOptimizedModelCache(Path folder) {
        return new SessionSettings(
                device, onMissingDevice, sharedPool, intraOpThreads, interOpThreads, optimization, folder);
    }
}
