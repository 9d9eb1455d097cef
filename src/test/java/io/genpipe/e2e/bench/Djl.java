package io.genpipe.e2e.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;

/**
 * DJL 0.36 with its ONNX Runtime engine (running genpipe's ONNX Runtime 1.29: the 1.21 it brings is
 * excluded in the pom), the Java peer in the speed benches: same model files, same threads.
 */
final class Djl implements AutoCloseable {

    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final NDManager manager;

    /**
     * Starts DJL's engine first, on a thread with a large stack: DJL makes the process's ONNX
     * Runtime environment with its own options, and the native load needs the stack.
     */
    static void startEngine() throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(
                null,
                () -> {
                    try {
                        Engine.getEngine("OnnxRuntime");
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                },
                "djl-engine-init",
                64L << 20);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new IllegalStateException("DJL's OnnxRuntime engine did not start", failure[0]);
        }
    }

    Djl(Path onnx, int intraOpThreads) throws Exception {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(onnx)
                .optEngine("OnnxRuntime")
                .optDevice(Device.cpu())
                .optOption("intraOpNumThreads", Integer.toString(intraOpThreads))
                .optOption("interOpNumThreads", "1")
                .build();
        this.model = criteria.loadModel();
        this.predictor = model.newPredictor();
        this.manager = NDManager.newBaseManager("OnnxRuntime");
    }

    /** {@code count} values of {@code data} from {@code from}, copied once into the tensor (as the bare loop does). */
    NDArray floats(float[] data, int from, int count, long... shape) {
        return manager.create(FloatBuffer.wrap(data, from, count).slice(), new Shape(shape));
    }

    NDArray longs(long[] data, int from, int count, long... shape) {
        return manager.create(LongBuffer.wrap(data, from, count).slice(), new Shape(shape));
    }

    /** Runs the model on {@code inputs} (named as the graph's inputs); the caller closes the result. */
    NDList predict(NDList inputs) throws Exception {
        return predictor.predict(inputs);
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
        manager.close();
    }
}
