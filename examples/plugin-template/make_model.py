"""Writes src/main/resources/com/example/sharpness/laplacian.onnx: the variance of the Laplacian of
each image (a standard focus / blur measure), as an ONNX graph. Not trained: the kernel is fixed.

    image float32[batch,1,H,W] -> Conv 3x3 Laplacian (valid) -> flatten -> variance over pixels
    -> sharpness float32[batch]

Run with Python 3 and the onnx package: python3 make_model.py
The same bytes come from Java, without Python: src/test/java/com/example/sharpness/LaplacianModelTest.java
(./mvnw -q test -Dtest=LaplacianModelTest -Dsharpness.writeModel=true).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

kernel = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float32).reshape(1, 1, 3, 3)
nodes = [
    helper.make_node("Conv", ["image", "kernel"], ["laplacian"], kernel_shape=[3, 3]),
    helper.make_node("Flatten", ["laplacian"], ["flat"], axis=1),
    helper.make_node("ReduceMean", ["flat"], ["mean"], axes=[1], keepdims=1),
    helper.make_node("Sub", ["flat", "mean"], ["centred"]),
    helper.make_node("Mul", ["centred", "centred"], ["squared"]),
    helper.make_node("ReduceMean", ["squared"], ["sharpness"], axes=[1], keepdims=0),
]
graph = helper.make_graph(
    nodes, "laplacian-variance",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 28, 28])],
    [helper.make_tensor_value_info("sharpness", TensorProto.FLOAT, ["batch"])],
    initializer=[numpy_helper.from_array(kernel, "kernel")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="genpipe-plugin-template")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "src/main/resources/com/example/sharpness/laplacian.onnx")
