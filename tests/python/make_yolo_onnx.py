"""Builds a tiny ONNX network whose output is a known constant in a YOLO layout.

make_yolo_onnx.py OUT.onnx LAYOUT SIZE BOXES_JSON
  LAYOUT  yolov5: output [1, N, 5 + C] rows (cx, cy, w, h, objectness, C scores)
          yolov8: output [1, 4 + C, N] columns (cx, cy, w, h, C scores)
          flat:   output [1, K, 1, 1] (no YOLO layout, for the error tests)
  SIZE    the square input size (input "images" [1, 3, SIZE, SIZE])
  BOXES   JSON list of per-box lists in the LAYOUT's per-box order
The graph is GlobalAveragePool(images) -> 1x1 Conv with zero weights and the constant as
bias -> Reshape, so the output depends on the input only through 0 * x and is exactly the bias.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out, layout, size, boxes = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
    table = np.array(boxes, dtype=np.float32)  # N x per_box
    n, per_box = table.shape
    if layout == "yolov5":
        values, shape = table.reshape(-1), [1, n, per_box]
    elif layout == "yolov8":
        values, shape = table.T.reshape(-1), [1, per_box, n]
    else:
        values, shape = table.reshape(-1), [1, n * per_box, 1, 1]
    k = values.size
    weights = numpy_helper.from_array(np.zeros((k, 3, 1, 1), dtype=np.float32), "w")
    bias = numpy_helper.from_array(values.astype(np.float32), "b")
    target = numpy_helper.from_array(np.array(shape, dtype=np.int64), "shape")
    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"]),
        helper.make_node("Conv", ["pooled", "w", "b"], ["conv"], kernel_shape=[1, 1]),
        helper.make_node("Reshape", ["conv", "shape"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes, "constant_yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, shape)],
        [weights, bias, target])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, out)


main()
