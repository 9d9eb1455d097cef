package io.genpipe.runtime.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.genpipe.api.GenpipeException;
import io.genpipe.api.data.DType;
import io.genpipe.api.data.Dim;
import io.genpipe.api.data.PortSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One ONNX Runtime session and what was read from it once: ports, metadata, device. Runs hold
 * the read lock; {@link #close()} takes the write lock, so it waits for in-flight runs to drain
 * before closing the native session (closing under a run can crash the JVM).
 */
final class ManagedSession {

    private final OrtSession session;
    private final String sha256;
    private final String device;
    private final List<PortSpec> inputs;
    private final List<PortSpec> outputs;
    private final Map<String, String> metadata;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    ManagedSession(OrtSession session, String sha256, String device, String name) throws OrtException {
        this.session = session;
        this.sha256 = sha256;
        this.device = device;
        this.inputs = ports(session.getInputInfo(), name, "input");
        this.outputs = ports(session.getOutputInfo(), name, "output");
        this.metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
    }

    OrtSession session() {
        return session;
    }

    String sha256() {
        return sha256;
    }

    String device() {
        return device;
    }

    List<PortSpec> inputs() {
        return inputs;
    }

    List<PortSpec> outputs() {
        return outputs;
    }

    Map<String, String> metadata() {
        return metadata;
    }

    /** Starts a run; fails if the session was closed. Pair with {@link #exit()}. */
    void enter(String name) {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new GenpipeException(
                    "model " + name + " is closed: the genpipe runtime that loaded it was shut down");
        }
    }

    void exit() {
        lock.readLock().unlock();
    }

    boolean isClosed() {
        return closed;
    }

    /** Waits for in-flight runs, then closes the native session. Idempotent. */
    void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                session.close();
            }
        } catch (OrtException e) {
            throw new GenpipeException(
                    "closing the session of model sha256 " + sha256 + " failed: " + e.getMessage(), e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static List<PortSpec> ports(Map<String, NodeInfo> infos, String model, String kind) {
        List<PortSpec> ports = new ArrayList<>(infos.size());
        for (NodeInfo node : infos.values()) {
            if (!(node.getInfo() instanceof TensorInfo)) {
                throw new GenpipeException("model " + model + ": " + kind + " '" + node.getName() + "' is a "
                        + node.getInfo().getClass().getSimpleName()
                        + "; genpipe runs models whose inputs and outputs are tensors");
            }
            TensorInfo info = (TensorInfo) node.getInfo();
            DType dtype = OnnxRuntime.dtypeOf(info.type);
            if (dtype == null) {
                throw new GenpipeException(
                        "model " + model + ": " + kind + " '" + node.getName() + "' has element type " + info.type
                                + ", which genpipe does not support (supported: float32, float64, int8, uint8, int32, int64, bool)");
            }
            long[] shape = info.getShape();
            String[] names = info.getDimensionNames();
            List<Dim> dims = new ArrayList<>(shape.length);
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] >= 0) {
                    dims.add(Dim.of(shape[i]));
                } else if (names != null && i < names.length && names[i] != null && !names[i].isEmpty()) {
                    dims.add(Dim.symbolic(names[i]));
                } else {
                    dims.add(Dim.ANY);
                }
            }
            ports.add(new PortSpec(node.getName(), dtype, dims));
        }
        return List.copyOf(ports);
    }
}
