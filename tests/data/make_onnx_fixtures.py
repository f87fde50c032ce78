#!/usr/bin/python3
"""Writes the ONNX reader's test files.

Good models go to tests/data/onnx/ with their expected contents in
tests/data/onnx/expected.json, broken ones to tests/data/corrupt/onnx/ (see the
README.md there), and facts about the real models in ../shared/models/ to
tests/data/onnx/shared_models_expected.json. The output is checked in; this script
is kept so that it can be regenerated:

    /usr/bin/python3 tests/data/make_onnx_fixtures.py [--shared DIR]

Written against Debian's python3-onnx 1.12 (protobuf 3.21, cpp backend) and numpy.
Protos are built with onnx.helper / onnx.numpy_helper, or field by field where a
particular storage field is the point (float_data, int32_data, ...). Deterministic:
fixed seeds, no producer version or timestamps. qdq.onnx is opset 21 (blocked
DequantizeLinear), which onnx 1.12's checker does not know: it is written without
the checker, and an opset-13 twin without the blocked part is checked instead.

Every run ends with a verification (printed): each good file is re-loaded with
onnx.load, checked with onnx.checker (full_check, where the opset allows), and every
tensor read back through numpy_helper.to_array (plus a by-hand decoding of sparse
tensors, Constant attributes and external data) must equal, bit for bit, the array
the script meant to store. expected.json is computed from the files as re-read, not
from the script's own arrays.

Naming (expected.json and shared_models_expected.json): a graph initializer (or
sparse initializer) -> its name; a Constant node -> its first output name, whatever
the attribute (value, sparse_value, value_float(s), value_int(s)) and whatever name
the TensorProto inside carries; a tensor inside a subgraph -> "<node>/<attribute>/
<tensor name>", recursively, where <node> is the node's name or, if it has none,
"<op_type>#<index of the node in its graph>".
"""

import json
import math
import os
import shutil
import sys
from collections import OrderedDict

import numpy as np
import onnx
from onnx import AttributeProto, TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD_DIR = os.path.join(HERE, "onnx")
CORRUPT_DIR = os.path.join(HERE, "corrupt", "onnx")
SHARED_DEFAULT = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "models"))
SHARED_MODELS = ["ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                 "silero_vad_op18_ifless.onnx"]

SMALL = 64          # <= SMALL elements: all values in expected.json; more: sum + first8
OPSET = 17          # the newest opset onnx 1.12's checker knows
F = TensorProto

# Role of a tensor by the op and input index of its (first) consumer.
ROLE_RULES = OrderedDict([
    ("Gemm", {1: "weight", 2: "bias"}),
    ("MatMul", {1: "weight"}),
    ("Conv", {1: "weight", 2: "bias"}),
    ("LSTM", {1: "weight", 2: "recurrence", 3: "bias"}),
    ("BatchNormalization", {1: "scale", 2: "bias", 3: "mean", 4: "variance"}),
    ("DequantizeLinear", {0: "quantized weight", 1: "scale", 2: "zero point"}),
])

FLOAT_TYPES = {F.FLOAT, F.FLOAT16, F.BFLOAT16, F.DOUBLE}

# The arrays each file is meant to hold, by qualified name (filled while building,
# compared with what is read back).
INTENDED = {}


def dtype_name(dt):
    return TensorProto.DataType.Name(dt)


# ---------------------------------------------------------------------------
# Building tensors with a chosen storage field

def t_raw(name, arr):
    """raw_data (numpy_helper.from_array; little-endian bytes)."""
    return numpy_helper.from_array(np.array(arr, order="C"), name)   # keeps 0-d arrays 0-d


def t_typed(name, arr, data_type, bits=None):
    """The typed repeated field the ONNX spec assigns to data_type.

    FLOAT16/BFLOAT16: 'bits' (uint16 patterns) go into int32_data, zero-extended.
    """
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(arr.shape)
    flat = arr.reshape(-1)
    if data_type == F.FLOAT:
        t.float_data.extend(float(v) for v in flat)
    elif data_type == F.DOUBLE:
        t.double_data.extend(float(v) for v in flat)
    elif data_type in (F.FLOAT16, F.BFLOAT16):
        t.int32_data.extend(int(b) for b in bits.reshape(-1))
    elif data_type in (F.INT8, F.UINT8, F.INT16, F.UINT16, F.INT32, F.BOOL):
        t.int32_data.extend(int(v) for v in flat)
    elif data_type == F.INT64:
        t.int64_data.extend(int(v) for v in flat)
    elif data_type in (F.UINT32, F.UINT64):
        t.uint64_data.extend(int(v) for v in flat)
    else:
        raise ValueError(data_type)
    return t


def bf16_bits(values_f32):
    """Round-to-nearest-even bfloat16 patterns (onnx.helper's conversion) and the
    float32 values they stand for."""
    bits = np.array([helper.float32_to_bfloat16(float(v)) for v in values_f32.reshape(-1)],
                    dtype=np.uint32).reshape(values_f32.shape)
    return bits.astype(np.uint16), (bits << 16).astype(np.uint32).view(np.float32)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def make_model(graph, opset=OPSET, ir_version=8):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="quantscope-fixtures")
    model.ir_version = ir_version
    return model


def intend(file, name, arr):
    INTENDED.setdefault(file, OrderedDict())[name] = np.asarray(arr)


def save(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


# ---------------------------------------------------------------------------
# 1. initializers.onnx

def build_initializers():
    fn = "initializers.onnx"
    rng = np.random.default_rng(1001)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    inits, nodes = [], []

    def add(t, arr):
        inits.append(t)
        intend(fn, t.name, arr)

    # Chain A: Gemm -> MatMul -> Add(scalar) -> Add(+Inf/NaN) -> Concat(empty) -> Reshape
    gemm_W = f32(4, 6)
    add(t_raw("gemm.W", gemm_W), gemm_W)                                 # float32 raw_data
    gemm_B = f32(4)
    add(t_typed("gemm.B", gemm_B, F.FLOAT), gemm_B)                      # float32 float_data
    mm_W = f32(4, 3)
    add(t_raw("matmul.W2", mm_W), mm_W)
    scalar = np.array(0.5, dtype=np.float32)
    add(t_typed("add.scalar", scalar, F.FLOAT), scalar)                  # 0-d, float_data
    specials = np.array([[np.inf, -np.inf, np.nan], [-0.0, 1.5, 3.4028234663852886e38]],
                        dtype=np.float32)
    add(t_raw("specials", specials), specials)                           # +-Inf/NaN, raw
    empty = np.zeros((0, 3), dtype=np.float32)
    add(t_raw("empty_0x3", empty), empty)                                # [0,3], empty raw_data
    shape = np.array([3, 2], dtype=np.int64)
    add(t_typed("reshape.shape", shape, F.INT64), shape)                 # int64_data
    nodes += [
        helper.make_node("Gemm", ["X", "gemm.W", "gemm.B"], ["g"], name="gemm", transB=1),
        helper.make_node("MatMul", ["g", "matmul.W2"], ["m"], name="matmul"),
        helper.make_node("Add", ["m", "add.scalar"], ["a1"], name="add_scalar"),
        helper.make_node("Add", ["a1", "specials"], ["a2"], name="add_specials"),
        helper.make_node("Concat", ["a2", "empty_0x3"], ["cat"], name="concat", axis=0),
        helper.make_node("Reshape", ["cat", "reshape.shape"], ["Y"], name="reshape"),
    ]

    # Chain B: Conv -> BatchNormalization
    conv_W = f32(3, 2, 3, 3)
    add(t_typed("conv.W", conv_W, F.FLOAT), conv_W)
    conv_B = f32(3)
    add(t_raw("conv.B", conv_B), conv_B)
    bn = {"bn.scale": f32(3), "bn.bias": f32(3), "bn.mean": f32(3),
          "bn.var": (np.abs(f32(3)) + np.float32(0.5)).astype(np.float32)}
    for i, (k, v) in enumerate(bn.items()):
        add(t_raw(k, v) if i % 2 == 0 else t_typed(k, v, F.FLOAT), v)
    nodes += [
        helper.make_node("Conv", ["XC", "conv.W", "conv.B"], ["c"], name="conv"),
        helper.make_node("BatchNormalization", ["c"] + list(bn), ["YC"], name="bn"),
    ]

    # Chain C: LSTM (hidden 2, input 3, forward)
    lstm_W, lstm_R, lstm_B = f32(1, 8, 3), f32(1, 8, 2), f32(1, 16)
    add(t_raw("lstm.W", lstm_W), lstm_W)
    add(t_raw("lstm.R", lstm_R), lstm_R)
    add(t_typed("lstm.B", lstm_B, F.FLOAT), lstm_B)
    nodes.append(helper.make_node("LSTM", ["XL", "lstm.W", "lstm.R", "lstm.B"], ["YL"],
                                  name="lstm", hidden_size=2))

    # Chain D: float16, raw_data and int32_data
    h_raw = np.array([[1.0, -2.5], [0.333251953125, 65504.0], [-0.0, 6.103515625e-05],
                      [5.960464477539063e-08, -1024.0]], dtype=np.float16)
    add(t_raw("fp16.raw", h_raw), h_raw)
    h_i32 = np.array([-1.5, 0.099975586], dtype=np.float16)   # negative: bits >= 0x8000
    add(t_typed("fp16.int32_data", h_i32, F.FLOAT16, bits=h_i32.view(np.uint16)), h_i32)
    nodes += [helper.make_node("MatMul", ["X16", "fp16.raw"], ["m16"], name="matmul_fp16"),
              helper.make_node("Add", ["m16", "fp16.int32_data"], ["Y16"], name="add_fp16")]

    # Chain E: bfloat16 in int32_data
    bits, bvals = bf16_bits(np.array([[1.0, -2.0], [3.14159265, -0.001], [1e30, -7.5],
                                      [0.1, 2.0 ** -130]], dtype=np.float32))
    add(t_typed("bf16.int32_data", bvals, F.BFLOAT16, bits=bits), bvals)
    nodes.append(helper.make_node("MatMul", ["XB", "bf16.int32_data"], ["YB"], name="matmul_bf16"))

    # Chain F: double in double_data
    dvals = np.array([[0.1, -1e300], [2.0 ** -1074, 1.0 / 3.0], [-0.0, 12345.678]], dtype=np.float64)
    add(t_typed("double.double_data", dvals, F.DOUBLE), dvals)
    nodes.append(helper.make_node("MatMul", ["XD", "double.double_data"], ["YD"], name="matmul_f64"))

    # Chain G: int8 in int32_data, uint8 raw (MatMulInteger)
    i8 = np.array([[-128, 127, 0], [-1, 1, 64], [5, -77, 100], [-3, 3, -128]], dtype=np.int8)
    add(t_typed("int8.int32_data", i8, F.INT8), i8)
    u8 = np.array([[0, 255, 1], [128, 127, 2], [200, 13, 254], [7, 99, 255]], dtype=np.uint8)
    add(t_raw("uint8.raw", u8), u8)
    nodes += [
        helper.make_node("MatMulInteger", ["XQ", "int8.int32_data"], ["YQ1"], name="mmi_int8"),
        helper.make_node("MatMulInteger", ["XQ", "uint8.raw"], ["YQ2"], name="mmi_uint8"),
    ]

    graph = helper.make_graph(
        nodes, "initializers",
        [vi("X", F.FLOAT, [1, 6]), vi("XC", F.FLOAT, [1, 2, 5, 5]), vi("XL", F.FLOAT, [2, 1, 3]),
         vi("X16", F.FLOAT16, [1, 4]), vi("XB", F.BFLOAT16, [1, 4]), vi("XD", F.DOUBLE, [1, 3]),
         vi("XQ", F.UINT8, [1, 4])],
        [vi("Y", F.FLOAT, [3, 2]), vi("YC", F.FLOAT, [1, 3, 3, 3]), vi("YL", F.FLOAT, [2, 1, 1, 2]),
         vi("Y16", F.FLOAT16, [1, 2]), vi("YB", F.BFLOAT16, [1, 2]), vi("YD", F.DOUBLE, [1, 2]),
         vi("YQ1", F.INT32, [1, 3]), vi("YQ2", F.INT32, [1, 3])],
        initializer=inits)
    return make_model(graph)


# ---------------------------------------------------------------------------
# 2. constants.onnx (Paddle2ONNX style: weights in Constant nodes)

def const(out, tensor=None, **attrs):
    if tensor is not None:
        attrs["value"] = tensor
    return helper.make_node("Constant", [], [out], **attrs)


def build_constants():
    fn = "constants.onnx"
    rng = np.random.default_rng(1002)
    nodes = []
    conv_w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    # The TensorProto inside carries another name than the Constant's output.
    nodes.append(const("conv2d_0.w_0", t_raw("inner_name_not_used", conv_w)))
    intend(fn, "conv2d_0.w_0", conv_w)
    conv_b = rng.standard_normal(3).astype(np.float32)
    nodes.append(const("conv2d_0.b_0", t_typed("conv2d_0.b_0", conv_b, F.FLOAT)))
    intend(fn, "conv2d_0.b_0", conv_b)
    nodes.append(const("reshape_shape", value_ints=[1, 27]))
    intend(fn, "reshape_shape", np.array([1, 27], dtype=np.int64))
    lin_w = rng.standard_normal((27, 4)).astype(np.float32)          # Paddle Linear: [in, out]
    nodes.append(const("linear_0.w_0", t_raw("linear_0.w_0", lin_w)))
    intend(fn, "linear_0.w_0", lin_w)
    floats = [0.25, -1.0, 3.5, 1e-7]
    nodes.append(const("bias_floats", value_floats=floats))
    intend(fn, "bias_floats", np.array(floats, dtype=np.float32))
    nodes.append(const("scale_float", value_float=0.1))
    intend(fn, "scale_float", np.array(0.1, dtype=np.float32))
    # sparse_value: a [4,3] matrix with 4 non-zeros at linear indices 0, 4, 8, 11
    sp_vals = np.array([1.5, -2.0, 0.75, 4.0], dtype=np.float32)
    sp_idx = np.array([0, 4, 8, 11], dtype=np.int64)
    sparse = helper.make_sparse_tensor(t_raw("sparse_inner_values", sp_vals),
                                       t_raw("sparse_inner_indices", sp_idx), [4, 3])
    nodes.append(const("sparse_w", sparse_value=sparse))
    dense = np.zeros(12, dtype=np.float32)
    dense[sp_idx] = sp_vals
    intend(fn, "sparse_w", dense.reshape(4, 3))
    nodes.append(const("gather_index", value_int=2))
    intend(fn, "gather_index", np.array(2, dtype=np.int64))
    nodes += [
        helper.make_node("Conv", ["X", "conv2d_0.w_0", "conv2d_0.b_0"], ["c"]),
        helper.make_node("Reshape", ["c", "reshape_shape"], ["r"]),
        helper.make_node("MatMul", ["r", "linear_0.w_0"], ["m"]),
        helper.make_node("Add", ["m", "bias_floats"], ["a"]),
        helper.make_node("Mul", ["a", "scale_float"], ["s"]),
        helper.make_node("MatMul", ["s", "sparse_w"], ["p"]),
        helper.make_node("Gather", ["p", "gather_index"], ["Y"], axis=1),
    ]
    graph = helper.make_graph(nodes, "constants", [vi("X", F.FLOAT, [1, 2, 5, 5])],
                              [vi("Y", F.FLOAT, [1])])
    return make_model(graph)


# ---------------------------------------------------------------------------
# 3. subgraphs.onnx

def build_subgraphs():
    fn = "subgraphs.onnx"
    rng = np.random.default_rng(1003)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731

    def init(qname, local, arr):
        intend(fn, qname, arr)
        return t_raw(local, arr)

    def cnode(qname, local, arr):
        intend(fn, qname, arr)
        return const(local, t_raw(local, arr))

    # cond_if: both branches hold an initializer "w" and a Constant "c" (same local
    # names in both branches; the qualified names differ).
    then_g = helper.make_graph(
        [cnode("cond_if/then_branch/c", "c", f32(3)),
         helper.make_node("MatMul", ["X", "w"], ["t_mm"]),
         helper.make_node("Add", ["t_mm", "c"], ["t_out"])],
        "cond_if_then", [], [vi("t_out", F.FLOAT, [2, 3])],
        initializer=[init("cond_if/then_branch/w", "w", f32(3, 3))])
    else_g = helper.make_graph(
        [cnode("cond_if/else_branch/c", "c", f32(3)),
         helper.make_node("MatMul", ["X", "w"], ["e_mm"]),
         helper.make_node("Sub", ["e_mm", "c"], ["e_out"])],
        "cond_if_else", [], [vi("e_out", F.FLOAT, [2, 3])],
        initializer=[init("cond_if/else_branch/w", "w", f32(3, 3))])
    cond_if = helper.make_node("If", ["cond"], ["if_out"], name="cond_if",
                               then_branch=then_g, else_branch=else_g)

    # main_loop: body initializer + a nested If (inner_if) whose else branch also
    # uses the main graph's initializer "shared_bias" (outer-scope reference).
    inner_then = helper.make_graph(
        [helper.make_node("Add", ["v_mm", "w"], ["it_out"])],
        "inner_then", [], [vi("it_out", F.FLOAT, [1, 3])],
        initializer=[init("main_loop/body/inner_if/then_branch/w", "w", f32(3))])
    inner_else = helper.make_graph(
        [cnode("main_loop/body/inner_if/else_branch/k", "k", f32(3)),
         helper.make_node("Mul", ["v_mm", "k"], ["ie_mm"]),
         helper.make_node("Add", ["ie_mm", "shared_bias"], ["ie_out"])],
        "inner_else", [], [vi("ie_out", F.FLOAT, [1, 3])])
    body = helper.make_graph(
        [helper.make_node("MatMul", ["v_in", "body_w"], ["v_mm"]),
         helper.make_node("If", ["cond_in"], ["v_if"], name="inner_if",
                          then_branch=inner_then, else_branch=inner_else),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "loop_body",
        [vi("i", F.INT64, []), vi("cond_in", F.BOOL, []), vi("v_in", F.FLOAT, [1, 3])],
        [vi("cond_out", F.BOOL, []), vi("v_if", F.FLOAT, [1, 3])],
        initializer=[init("main_loop/body/body_w", "body_w", f32(3, 3))])
    main_loop = helper.make_node("Loop", ["M", "loop_cond", "v0"], ["v_final"],
                                 name="main_loop", body=body)

    scan_body = helper.make_graph(
        [helper.make_node("Mul", ["x_t", "w"], ["y_t"]),
         helper.make_node("Add", ["s_in", "y_t"], ["s_out"]),
         helper.make_node("Identity", ["y_t"], ["y_out"])],
        "scan_body", [vi("s_in", F.FLOAT, [3]), vi("x_t", F.FLOAT, [3])],
        [vi("s_out", F.FLOAT, [3]), vi("y_out", F.FLOAT, [3])],
        initializer=[init("scan1/body/w", "w", f32(3))])
    scan1 = helper.make_node("Scan", ["S0", "xs"], ["s_final", "ys"], name="scan1",
                             body=scan_body, num_scan_inputs=1)

    # An unnamed If: its tensors are named "If#3/then_branch/w", "If#3/else_branch/w".
    u_then = helper.make_graph([helper.make_node("Identity", ["w"], ["u_t"])], "u_then", [],
                               [vi("u_t", F.FLOAT, [2])],
                               initializer=[init("If#3/then_branch/w", "w", f32(2))])
    u_else = helper.make_graph([helper.make_node("Neg", ["w"], ["u_e"])], "u_else", [],
                               [vi("u_e", F.FLOAT, [2])],
                               initializer=[init("If#3/else_branch/w", "w", f32(2))])
    unnamed_if = helper.make_node("If", ["cond"], ["if2_out"], then_branch=u_then, else_branch=u_else)

    shared_bias = f32(3)
    intend(fn, "shared_bias", shared_bias)
    graph = helper.make_graph(
        [cond_if, main_loop, scan1, unnamed_if], "subgraphs",
        [vi("cond", F.BOOL, []), vi("X", F.FLOAT, [2, 3]), vi("M", F.INT64, []),
         vi("loop_cond", F.BOOL, []), vi("v0", F.FLOAT, [1, 3]), vi("S0", F.FLOAT, [3]),
         vi("xs", F.FLOAT, [4, 3])],
        [vi("if_out", F.FLOAT, [2, 3]), vi("v_final", F.FLOAT, [1, 3]), vi("s_final", F.FLOAT, [3]),
         vi("ys", F.FLOAT, [4, 3]), vi("if2_out", F.FLOAT, [2])],
        initializer=[t_raw("shared_bias", shared_bias)])
    return make_model(graph)


# ---------------------------------------------------------------------------
# 4. sparse.onnx

def build_sparse():
    fn = "sparse.onnx"
    lin_vals = np.array([1.0, -2.0, 3.5, 0.125, -7.0], dtype=np.float32)
    lin_idx = np.array([0, 3, 7, 12, 19], dtype=np.int64)            # into a [4,5] tensor
    coo_vals = np.array([0.5, -1.25, 2.0, 9.0], dtype=np.float32)
    coo_idx = np.array([[0, 0], [1, 2], [3, 1], [4, 2]], dtype=np.int64)  # [NNZ, rank] into [5,3]
    sp_lin = helper.make_sparse_tensor(t_raw("sp_linear", lin_vals), t_raw("sp_linear_indices", lin_idx), [4, 5])
    sp_coo = helper.make_sparse_tensor(t_typed("sp_coo", coo_vals, F.FLOAT),
                                       t_typed("sp_coo_indices", coo_idx, F.INT64), [5, 3])
    d1 = np.zeros(20, dtype=np.float32)
    d1[lin_idx] = lin_vals
    intend(fn, "sp_linear", d1.reshape(4, 5))
    d2 = np.zeros((5, 3), dtype=np.float32)
    d2[tuple(coo_idx.T)] = coo_vals
    intend(fn, "sp_coo", d2)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "sp_linear"], ["h"], name="mm1"),
         helper.make_node("MatMul", ["h", "sp_coo"], ["Y"], name="mm2")],
        "sparse", [vi("X", F.FLOAT, [1, 4])], [vi("Y", F.FLOAT, [1, 3])],
        sparse_initializer=[sp_lin, sp_coo])
    return make_model(graph)


# ---------------------------------------------------------------------------
# 5. external/model.onnx + external/weights.bin, whole.bin, sub/w2.bin

def t_external(name, data_type, dims, location, offset=None, length=None):
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            entry = t.external_data.add()
            entry.key = key
            entry.value = str(value)
    return t


def build_external(root):
    fn = "external/model.onnx"
    d = os.path.join(root, "external")
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "sub"))
    rng = np.random.default_rng(1005)
    ext_a = rng.standard_normal((4, 4)).astype(np.float32)          # weights.bin @0, 64 bytes
    ext_b = rng.standard_normal((2, 2)).astype(np.float32)          # weights.bin @128, 16 bytes
    ext_c = rng.standard_normal(2).astype(np.float32)               # whole.bin, no offset/length
    ext_d = rng.standard_normal((2, 4)).astype(np.float32)          # sub/w2.bin @0 (explicit), 32 bytes
    weights = ext_a.tobytes() + b"\xee" * 64 + ext_b.tobytes() + b"\xee" * 16
    assert len(ext_a.tobytes()) + 64 == 128
    with open(os.path.join(d, "weights.bin"), "wb") as f:
        f.write(weights)
    with open(os.path.join(d, "whole.bin"), "wb") as f:
        f.write(ext_c.tobytes())
    with open(os.path.join(d, "sub", "w2.bin"), "wb") as f:
        f.write(ext_d.tobytes())
    for k, v in (("ext_a", ext_a), ("ext_b", ext_b), ("ext_c", ext_c), ("ext_d", ext_d)):
        intend(fn, k, v)
    inits = [t_external("ext_a", F.FLOAT, [4, 4], "weights.bin", 0, 64),
             t_external("ext_b", F.FLOAT, [2, 2], "weights.bin", 128, 16),
             t_external("ext_c", F.FLOAT, [2], "whole.bin"),
             t_external("ext_d", F.FLOAT, [2, 4], "sub/w2.bin", 0, 32)]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "ext_a"], ["h"], name="mm"),
         helper.make_node("Gemm", ["h", "ext_d", "ext_c"], ["g"], name="gemm", transB=1),
         helper.make_node("Add", ["g", "ext_b"], ["Y"], name="add")],
        "external", [vi("X", F.FLOAT, [1, 4])], [vi("Y", F.FLOAT, [2, 2])], initializer=inits)
    return make_model(graph), {"weights.bin": len(weights), "whole.bin": 8, "sub/w2.bin": 32}


# ---------------------------------------------------------------------------
# 6. qdq.onnx (opset 21: blocked DequantizeLinear)

def build_qdq(opset=21, blocked=True):
    fn = "qdq.onnx"
    rng = np.random.default_rng(1006)
    inits, nodes = [], []

    def add(t, arr):
        inits.append(t)
        if blocked:
            intend(fn, t.name, arr)

    # activation pair on the graph input X (not a weight)
    add(t_raw("x_scale", np.array(0.05, np.float32)), np.array(0.05, np.float32))
    add(t_raw("x_zero_point", np.array(128, np.uint8)), np.array(128, np.uint8))
    nodes += [helper.make_node("QuantizeLinear", ["X", "x_scale", "x_zero_point"], ["X_q"], name="q_x"),
              helper.make_node("DequantizeLinear", ["X_q", "x_scale", "x_zero_point"], ["X_dq"], name="dq_x")]
    # blocked: int8 [8,32], axis=1, block_size=16, scale/zero point [8,2]
    w_blk = rng.integers(-128, 128, (8, 32)).astype(np.int8)
    w_blk[0, :2] = [-128, 127]
    s_blk = (rng.uniform(0.001, 0.05, (8, 2))).astype(np.float32)
    z_blk = rng.integers(-4, 5, (8, 2)).astype(np.int8)
    if blocked:
        add(t_raw("w_blk_q", w_blk), w_blk)
        add(t_raw("w_blk_scale", s_blk), s_blk)
        add(t_raw("w_blk_zero_point", z_blk), z_blk)
        nodes.append(helper.make_node("DequantizeLinear", ["w_blk_q", "w_blk_scale", "w_blk_zero_point"],
                                      ["w_blk"], name="dq_w_blk", axis=1, block_size=16))
    else:
        inits.append(t_raw("w_blk", np.zeros((8, 32), np.float32)))
    nodes.append(helper.make_node("Gemm", ["X_dq", "w_blk"], ["h1"], name="gemm_blk", transB=1))
    # per-tensor int8 [8,6], zero point -2 -> MatMul ([in, out])
    w_pt = rng.integers(-128, 128, (8, 6)).astype(np.int8)
    w_pt[0, :2] = [127, -128]
    add(t_raw("w_pt_q", w_pt), w_pt)
    add(t_raw("w_pt_scale", np.array(0.0123, np.float32)), np.array(0.0123, np.float32))
    add(t_raw("w_pt_zero_point", np.array(-2, np.int8)), np.array(-2, np.int8))
    nodes += [helper.make_node("DequantizeLinear", ["w_pt_q", "w_pt_scale", "w_pt_zero_point"], ["w_pt"],
                               name="dq_w_pt"),
              helper.make_node("MatMul", ["h1", "w_pt"], ["h2"], name="matmul_pt")]
    # per-axis int8 [6,6] axis=0 (scale [out]), zero points 0, stored in int32_data;
    # its int32 bias [6] dequantized per-axis with no zero point input.
    w_pa = rng.integers(-128, 128, (6, 6)).astype(np.int8)
    s_pa = rng.uniform(0.001, 0.02, 6).astype(np.float32)
    add(t_typed("w_pa_q", w_pa, F.INT8), w_pa)
    add(t_raw("w_pa_scale", s_pa), s_pa)
    add(t_raw("w_pa_zero_point", np.zeros(6, np.int8)), np.zeros(6, np.int8))
    b_pa = rng.integers(-5000, 5000, 6).astype(np.int32)
    s_b = rng.uniform(1e-4, 1e-3, 6).astype(np.float32)
    add(t_raw("b_pa_q", b_pa), b_pa)
    add(t_raw("b_pa_scale", s_b), s_b)
    nodes += [helper.make_node("DequantizeLinear", ["w_pa_q", "w_pa_scale", "w_pa_zero_point"], ["w_pa"],
                               name="dq_w_pa", axis=0),
              helper.make_node("DequantizeLinear", ["b_pa_q", "b_pa_scale"], ["b_pa"], name="dq_b_pa", axis=0),
              helper.make_node("Gemm", ["h2", "w_pa", "b_pa"], ["h3"], name="gemm_pa", transB=1)]
    # uint8 [6,4] per-axis on axis 1 (the out axis of a MatMul weight), nonzero zero points
    w_u8 = rng.integers(0, 256, (6, 4)).astype(np.uint8)
    w_u8[0, :2] = [0, 255]
    s_u8 = rng.uniform(0.001, 0.02, 4).astype(np.float32)
    z_u8 = np.array([128, 1, 254, 77], np.uint8)
    add(t_raw("w_u8_q", w_u8), w_u8)
    add(t_raw("w_u8_scale", s_u8), s_u8)
    add(t_raw("w_u8_zero_point", z_u8), z_u8)
    nodes += [helper.make_node("DequantizeLinear", ["w_u8_q", "w_u8_scale", "w_u8_zero_point"], ["w_u8"],
                               name="dq_w_u8", axis=1),
              helper.make_node("MatMul", ["h3", "w_u8"], ["Y"], name="matmul_u8")]
    graph = helper.make_graph(nodes, "qdq", [vi("X", F.FLOAT, [1, 32])], [vi("Y", F.FLOAT, [1, 4])],
                              initializer=inits)
    return make_model(graph, opset=opset, ir_version=10 if opset >= 21 else 8)


# ---------------------------------------------------------------------------
# Reading a model back: tensors by qualified name, consumers, roles

def label(node, index):
    return node.name if node.name else f"{node.op_type}#{index}"


def declared_names(graph):
    names = {i.name for i in graph.input}
    names |= {t.name for t in graph.initializer}
    names |= {s.values.name for s in graph.sparse_initializer}
    for n in graph.node:
        names |= set(n.output)
    return names


def subgraphs(node):
    for a in node.attribute:
        if a.type == AttributeProto.GRAPH:
            yield a.name, a.g
        elif a.type == AttributeProto.GRAPHS:
            for k, g in enumerate(a.graphs):
                yield f"{a.name}[{k}]", g


def find_consumers(graph, prefix, name):
    """All (node path, op_type, input index, node) reading 'name' in graph order;
    each node's own inputs first, then its subgraphs (unless they redeclare it)."""
    found = []
    for idx, node in enumerate(graph.node):
        for k, inp in enumerate(node.input):
            if inp == name:
                found.append((prefix + label(node, idx), node.op_type, k, node))
        for attr, g in subgraphs(node):
            if name not in declared_names(g):
                found += find_consumers(g, f"{prefix}{label(node, idx)}/{attr}/", name)
    return found


def sparse_to_dense(sp):
    values = numpy_helper.to_array(sp.values)
    indices = numpy_helper.to_array(sp.indices).astype(np.int64)
    dims = list(sp.dims)
    dense = np.zeros(int(np.prod(dims, dtype=np.int64)), dtype=values.dtype)
    if indices.ndim == 1:
        dense[indices] = values
        return dense.reshape(dims)
    dense = dense.reshape(dims)
    dense[tuple(indices.T)] = values
    return dense


def storage_of(t):
    if t.data_location == TensorProto.EXTERNAL:
        return "external"
    if t.HasField("raw_data"):
        return "raw_data"
    for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
        if len(getattr(t, field)):
            return field
    return "none"


def constant_tensor(node, base_dir):
    """(data_type, array, attribute name, storage) of a Constant node."""
    a = node.attribute[0]
    if a.name == "value":
        arr = numpy_helper.to_array(a.t, base_dir)
        return a.t.data_type, arr, a.name, storage_of(a.t)
    if a.name == "sparse_value":
        return a.sparse_tensor.values.data_type, sparse_to_dense(a.sparse_tensor), a.name, "sparse"
    if a.name == "value_float":
        return F.FLOAT, np.array(a.f, np.float32), a.name, "attribute"
    if a.name == "value_floats":
        return F.FLOAT, np.array(list(a.floats), np.float32), a.name, "attribute"
    if a.name == "value_int":
        return F.INT64, np.array(a.i, np.int64), a.name, "attribute"
    if a.name == "value_ints":
        return F.INT64, np.array(list(a.ints), np.int64), a.name, "attribute"
    raise ValueError(f"Constant attribute {a.name} not handled")


def collect(model, base_dir):
    """Tensors in order: per graph, initializers, sparse initializers, then nodes
    (Constant nodes, and subgraphs recursively, in node order)."""
    out = []

    def entry(graph, prefix, local, dt, arr, location, kind, storage, extra=None):
        e = OrderedDict()
        e["name"] = prefix + local
        e["data_type"] = dtype_name(dt)
        e["dims"] = [int(d) for d in arr.shape]
        e["numel"] = int(arr.size)
        e["location"] = location
        e["kind"] = kind
        e["storage"] = storage
        if extra:
            e.update(extra)
        cons = find_consumers(graph, prefix, local)
        e["_consumers"] = cons
        e["_array"] = arr
        e["_graph"] = graph
        e["_prefix"] = prefix
        e["_local"] = local
        out.append(e)

    def walk(graph, prefix):
        sub = prefix != ""
        for t in graph.initializer:
            entry(graph, prefix, t.name, t.data_type, numpy_helper.to_array(t, base_dir),
                  "subgraph" if sub else "initializer", "initializer", storage_of(t))
        for sp in graph.sparse_initializer:
            entry(graph, prefix, sp.values.name, sp.values.data_type, sparse_to_dense(sp),
                  "subgraph" if sub else "initializer", "sparse_initializer", "sparse",
                  {"sparse": sparse_facts(sp)})
        for idx, node in enumerate(graph.node):
            if node.op_type == "Constant":
                dt, arr, attr, storage = constant_tensor(node, base_dir)
                extra = {"constant_attribute": attr}
                if attr == "value" and node.attribute[0].t.name != node.output[0]:
                    extra["inner_tensor_name"] = node.attribute[0].t.name
                if attr == "sparse_value":
                    extra["sparse"] = sparse_facts(node.attribute[0].sparse_tensor)
                entry(graph, prefix, node.output[0], dt, arr,
                      "subgraph" if sub else "constant", "constant", storage, extra)
            for attr, g in subgraphs(node):
                walk(g, f"{prefix}{label(node, idx)}/{attr}/")

    walk(model.graph, "")
    return out


def sparse_facts(sp):
    ind = numpy_helper.to_array(sp.indices)
    return OrderedDict([("nnz", int(sp.values.dims[0]) if sp.values.dims else 0),
                        ("indices_dims", [int(d) for d in sp.indices.dims]),
                        ("indices", [int(v) for v in ind.reshape(-1)] if ind.size <= SMALL else None),
                        ("values_storage", storage_of(sp.values))])


def role(op_type, index):
    return ROLE_RULES.get(op_type, {}).get(index)


def consumer_info(cons):
    if not cons:
        return None
    path, op, k, node = cons[0]
    c = OrderedDict([("op_type", op), ("input_index", k), ("node", path)])
    if op == "Gemm":
        attrs = {a.name: a.i for a in node.attribute}
        c["transA"] = attrs.get("transA", 0)
        c["transB"] = attrs.get("transB", 0)
    return c


def scope_lookup(entries, graph_prefix, name):
    """The tensor entry a name refers to from a graph with the given prefix (inner scopes first)."""
    candidates = [e for e in entries if e["_local"] == name and graph_prefix.startswith(e["_prefix"])]
    candidates.sort(key=lambda e: len(e["_prefix"]), reverse=True)
    return candidates[0] if candidates else None


def dequantize(x, scale, zp, axis, block_size):
    """ONNX DequantizeLinear: (x - zero_point) * scale, computed in float32 as the
    ONNX reference implementation does."""
    x32 = x.astype(np.float32)
    zp32 = np.zeros((), np.float32) if zp is None else zp.astype(np.float32)
    scale = scale.astype(np.float32)
    if scale.size == 1 and scale.ndim <= 1 and not block_size:
        s, z = scale.reshape(()), zp32.reshape(())
    else:
        axis = axis % x.ndim
        if block_size:
            s = np.repeat(scale, block_size, axis=axis)
            z = np.repeat(zp32, block_size, axis=axis) if zp is not None else zp32
            take = [slice(None)] * x.ndim
            take[axis] = slice(0, x.shape[axis])
            s = s[tuple(take)]
            if zp is not None:
                z = z[tuple(take)]
        else:
            shape = [1] * x.ndim
            shape[axis] = x.shape[axis]
            s = scale.reshape(shape)
            z = zp32.reshape(shape) if zp is not None else zp32
    return ((x32 - z) * s).astype(np.float32)


def attach_dequantization(model, entries):
    def walk(graph, prefix):
        for idx, node in enumerate(graph.node):
            if node.op_type == "DequantizeLinear":
                x = scope_lookup(entries, prefix, node.input[0])
                if x is not None:
                    scale = scope_lookup(entries, prefix, node.input[1])
                    zp = (scope_lookup(entries, prefix, node.input[2])
                          if len(node.input) > 2 and node.input[2] else None)
                    attrs = {a.name: a.i for a in node.attribute}
                    axis, bs = attrs.get("axis", 1), attrs.get("block_size", 0)
                    deq = dequantize(x["_array"], scale["_array"], None if zp is None else zp["_array"], axis, bs)
                    info = OrderedDict([("node", prefix + label(node, idx)), ("output", node.output[0]),
                                        ("scale", scale["name"]), ("zero_point", zp["name"] if zp else None),
                                        ("axis", axis), ("block_size", bs)])
                    info["granularity"] = ("blocked" if bs else "per-tensor" if scale["_array"].size == 1
                                           else "per-axis")
                    cons = find_consumers(graph, prefix, node.output[0])
                    info["consumer"] = consumer_info(cons)
                    info["consumer_role"] = role(cons[0][1], cons[0][2]) if cons else None
                    x["dequantize"] = info
                    x["_dequantized"] = deq
            for attr, g in subgraphs(node):
                walk(g, f"{prefix}{label(node, idx)}/{attr}/")
    walk(model.graph, "")


# ---------------------------------------------------------------------------
# JSON values

def jnum(v, is_float):
    if not is_float:
        return int(v)
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def jsum(arr, is_float):
    flat = arr.reshape(-1)
    if not is_float:
        return int(sum(int(v) for v in flat))
    vals = [float(v) for v in flat]
    if any(math.isnan(v) for v in vals) or (math.inf in vals and -math.inf in vals):
        return "NaN"
    if math.inf in vals:
        return "Infinity"
    if -math.inf in vals:
        return "-Infinity"
    return math.fsum(vals)


def put_values(e, arr, key="values"):
    is_float = arr.dtype.kind == "f"
    flat = arr.reshape(-1)
    if flat.size <= SMALL:
        e[key] = [jnum(v, is_float) for v in flat]
    else:
        e[key.replace("values", "sum")] = jsum(arr, is_float)
        e[key.replace("values", "first8")] = [jnum(v, is_float) for v in flat[:8]]


def public(e, with_values=True):
    out = OrderedDict((k, v) for k, v in e.items() if not k.startswith("_") and k != "dequantize")
    cons = e["_consumers"]
    out["consumer"] = consumer_info(cons)
    out["consumer_ops"] = list(OrderedDict.fromkeys(c[1] for c in cons))
    out["role"] = role(cons[0][1], cons[0][2]) if cons else None
    if with_values:
        put_values(out, e["_array"])
    if "dequantize" in e:
        out["dequantize"] = e["dequantize"]
        put_values(out, e["_dequantized"], "dequantized_values")
    return out


def dumps(obj, level=0):
    """JSON with nested containers inlined when short; lists of scalars always inline."""
    compact = json.dumps(obj, separators=(", ", ": "), allow_nan=False)
    scalars = isinstance(obj, list) and all(  # scalars, or scalars and lists of scalars (rows)
        not isinstance(v, dict) and not (isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v))
        for v in obj)
    if not isinstance(obj, (list, dict)) or scalars or len(compact) + level <= 110:
        return compact
    pad, inner = " " * level, " " * (level + 1)
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, level + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [f"{inner}{dumps(v, level + 1)}" for v in obj]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


def describe_file(path):
    model = onnx.load(path, load_external_data=False)
    entries = collect(model, os.path.dirname(path))
    attach_dequantization(model, entries)
    d = OrderedDict()
    d["ir_version"] = model.ir_version
    d["opset"] = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    d["tensor_count"] = len(entries)
    d["tensors"] = [public(e) for e in entries]
    return d, entries


# ---------------------------------------------------------------------------
# Broken files

def tiny_model(inits, nodes=None, opset=OPSET, in_shape=(1, 4), out_shape=(1, 2), out_name="Y"):
    nodes = nodes or [helper.make_node("MatMul", ["X", inits[0].name], [out_name])]
    graph = helper.make_graph(nodes, "broken", [vi("X", F.FLOAT, list(in_shape))],
                              [vi(out_name, F.FLOAT, list(out_shape))], initializer=inits)
    return make_model(graph, opset=opset)


def make_corrupt(initializers_bytes):
    if os.path.isdir(CORRUPT_DIR):
        shutil.rmtree(CORRUPT_DIR)
    os.makedirs(CORRUPT_DIR)
    rows = []

    def put(name, model_or_bytes, kind, what):
        data = model_or_bytes if isinstance(model_or_bytes, bytes) else model_or_bytes.SerializeToString()
        with open(os.path.join(CORRUPT_DIR, name), "wb") as f:
            f.write(data)
        rows.append((name, kind, what))

    # shipped weights file for the two external-range cases: 32 bytes = 8 floats
    small = np.arange(8, dtype=np.float32)
    with open(os.path.join(CORRUPT_DIR, "external_small.bin"), "wb") as f:
        f.write(small.tobytes())

    put("escape_parent.onnx",
        tiny_model([t_external("W", F.FLOAT, [4, 2], "../../etc/passwd", 0, 32)]),
        "external data path escapes the model folder",
        "initializer W [4,2] FLOAT, location `../../etc/passwd`, offset 0, length 32. Refuse before opening anything.")
    put("escape_absolute.onnx",
        tiny_model([t_external("W", F.FLOAT, [4, 2], "/etc/passwd", 0, 32)]),
        "external data path is absolute",
        "as above, location `/etc/passwd`.")
    put("external_missing.onnx",
        tiny_model([t_external("W", F.FLOAT, [4, 2], "does_not_exist.bin", 0, 32)]),
        "external data file missing",
        "location `does_not_exist.bin` (no such file beside the model).")
    put("external_too_long.onnx",
        tiny_model([t_external("W", F.FLOAT, [4, 2], "external_small.bin", 16, 32)]),
        "external data range past end of file",
        "location `external_small.bin` (32 bytes, shipped), offset 16 + length 32 = 48 > 32; "
        "length = 8 floats matches dims [4,2], so only the file-size check catches it.")
    put("external_length_mismatch.onnx",
        tiny_model([t_external("W", F.FLOAT, [4, 2], "external_small.bin", 0, 28)]),
        "external data length != numel * element size",
        "`external_small.bin` offset 0 length 28 (in range) but dims [4,2] FLOAT need 32 bytes.")

    t = t_raw("W", np.arange(8, dtype=np.float32).reshape(4, 2))
    t.raw_data = t.raw_data[:20]
    put("raw_size_mismatch.onnx", tiny_model([t]), "raw_data size != numel * element size",
        "W dims [4,2] FLOAT (32 bytes needed), raw_data 20 bytes.")

    t = TensorProto(name="W", data_type=F.FLOAT, dims=[2 ** 40, 2 ** 40], raw_data=b"\0" * 16)
    put("dims_overflow.onnx", tiny_model([t]), "dims product overflows",
        "W dims [2^40, 2^40] FLOAT: numel 2^80 (2^82 bytes) overflows int64/uint64; raw_data 16 bytes. "
        "A reader that multiplies unchecked may see a small or zero size.")

    t = TensorProto(name="W", data_type=F.FLOAT, dims=[-3, 4], raw_data=np.zeros(12, np.float32).tobytes())
    put("negative_dim.onnx", tiny_model([t]), "negative dimension",
        "W dims [-3, 4] FLOAT with 48 bytes of raw_data (abs(numel) * 4 = 48, so only a per-dimension check catches it).")

    t = t_typed("W", np.arange(8, dtype=np.float32).reshape(4, 2), F.FLOAT)
    del t.float_data[5:]
    put("typed_count_mismatch.onnx", tiny_model([t]), "typed data count != numel",
        "W dims [4,2] FLOAT, float_data holds 5 values (8 needed).")

    half = len(initializers_bytes) // 2
    put("truncated.onnx", initializers_bytes[:half], "truncated protobuf / parse error",
        f"onnx/initializers.onnx ({len(initializers_bytes)} bytes) cut to its first {half} bytes.")

    rng = np.random.default_rng(4242)
    garbage = b"\x08" + rng.integers(0, 256, 1023, dtype=np.uint8).tobytes()
    put("garbage.onnx", garbage, "not a valid ModelProto (parse error)",
        "1024 bytes: 0x08 (tag of field 1, varint = ir_version) then random bytes (seed 4242).")

    put("deep_subgraphs.onnx", deep_if_model(200), "nesting depth limit",
        "If nodes nested 200 deep through then_branch (each level: GraphProto > NodeProto > "
        "AttributeProto > GraphProto, ~600 message levels; protobuf's default recursion limit is 100). "
        "Innermost then_branch (level 200, path i1/then_branch/i2/.../i200/then_branch) holds "
        "initializer `w` [2]; else branches are Identity(x). Must fail cleanly (or walk without "
        "recursing on the C++ stack), no stack overflow.")

    sp = helper.make_sparse_tensor(t_raw("W", np.array([1.0, 2.0, 3.0], np.float32)),
                                   t_raw("W_indices", np.array([0, 7, 20], np.int64)), [4, 5])
    graph = helper.make_graph([helper.make_node("MatMul", ["X", "W"], ["Y"])], "broken",
                              [vi("X", F.FLOAT, [1, 4])], [vi("Y", F.FLOAT, [1, 5])], sparse_initializer=[sp])
    put("sparse_bad_index.onnx", make_model(graph), "sparse index out of range",
        "sparse initializer W dims [4,5] (20 elements), linear int64 indices [0, 7, 20]: 20 is one past the end.")

    wq = t_raw("w_q", np.arange(16, dtype=np.int8).reshape(4, 4))
    sc = t_raw("w_scale", np.full(4, 0.1, np.float32))
    zp = t_raw("w_zero_point", np.zeros(4, np.int8))
    nodes = [helper.make_node("DequantizeLinear", ["w_q", "w_scale", "w_zero_point"], ["w"], axis=5),
             helper.make_node("MatMul", ["X", "w"], ["Y"])]
    put("qdq_bad_axis.onnx", tiny_model([wq, sc, zp], nodes, opset=13, out_shape=(1, 4)), "DequantizeLinear axis out of range",
        "w_q int8 [4,4], scale [4], zero point [4], DequantizeLinear axis=5 on the 2-D weight (opset 13).")

    wq = t_raw("w_q", np.arange(32, dtype=np.int8).reshape(4, 8))
    sc = t_raw("w_scale", np.full(3, 0.1, np.float32))
    zp = t_raw("w_zero_point", np.zeros(3, np.int8))
    nodes = [helper.make_node("DequantizeLinear", ["w_q", "w_scale", "w_zero_point"], ["w"], axis=0),
             helper.make_node("Gemm", ["X", "w"], ["Y"], transB=1)]
    put("qdq_scale_shape.onnx", tiny_model([wq, sc, zp], nodes, opset=13, in_shape=(1, 8), out_shape=(1, 4)),
        "per-axis scale length != dimension",
        "w_q int8 [4,8], DequantizeLinear axis=0 with scale [3] and zero point [3] (4 needed), opset 13.")
    return rows


def deep_if_model(depth):
    """If nodes nested 'depth' deep through then_branch; else branches are Identity(x).
    Node and graph names are short to keep the file small (level k's If is "i<k>")."""
    inner = helper.make_graph([helper.make_node("Identity", ["w"], ["o"])], "", [],
                              [vi("o", F.FLOAT, [2])],
                              initializer=[t_raw("w", np.array([1.0, 2.0], np.float32))])
    for level in range(depth, 0, -1):
        other = helper.make_graph([helper.make_node("Identity", ["x"], [f"e{level}"])], "", [],
                                  [vi(f"e{level}", F.FLOAT, [2])])
        node = helper.make_node("If", ["c"], [f"o{level}"], name=f"i{level}",
                                then_branch=inner, else_branch=other)
        if level == 1:
            break
        inner = helper.make_graph([node], "", [], [vi(f"o{level}", F.FLOAT, [2])])
    graph = helper.make_graph([node], "deep", [vi("c", F.BOOL, []), vi("x", F.FLOAT, [2])],
                              [vi("o1", F.FLOAT, [2])])
    return make_model(graph)


# ---------------------------------------------------------------------------
# Shared models

def describe_shared(path):
    model = onnx.load(path, load_external_data=False)
    entries = collect(model, os.path.dirname(path))
    d = OrderedDict()
    d["file_size"] = os.path.getsize(path)
    d["ir_version"] = model.ir_version
    d["opset"] = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    d["tensor_count"] = len(entries)
    d["float_parameter_count"] = sum(e["numel"] for e in entries
                                     if TensorProto.DataType.Value(e["data_type"]) in FLOAT_TYPES)
    by = OrderedDict()
    for e in entries:
        by[e["location"]] = by.get(e["location"], 0) + 1
    d["count_by_location"] = by
    dt = OrderedDict()
    for e in entries:
        dt[e["data_type"]] = dt.get(e["data_type"], 0) + 1
    d["count_by_data_type"] = dt
    d["unconsumed"] = [e["name"] for e in entries if not e["_consumers"]]
    floats = [e for e in entries if TensorProto.DataType.Value(e["data_type"]) in FLOAT_TYPES]
    top = sorted(floats, key=lambda e: -e["numel"])[:5]   # stable: ties keep file order
    spots = []
    for e in top:
        a = e["_array"].reshape(-1)
        spots.append(OrderedDict([("name", e["name"]), ("dims", e["dims"]), ("numel", e["numel"]),
                                  ("first4", [jnum(v, True) for v in a[:4]]),
                                  ("sum", jsum(a, True))]))
    d["spot_checks"] = spots
    # One row per tensor (columns in SHARED_COLUMNS) to keep the file small.
    d["columns"] = SHARED_COLUMNS
    rows = []
    for e in entries:
        p = public(e, with_values=False)
        c = p["consumer"] or {}
        rows.append([p["name"], p["data_type"], p["dims"], p["numel"], p["location"], p["storage"],
                     c.get("op_type"), c.get("input_index"), c.get("node"), c.get("transB"),
                     p["role"], p["consumer_ops"]])
    d["tensors"] = rows
    return d


SHARED_COLUMNS = ["name", "data_type", "dims", "numel", "location", "storage", "consumer_op",
                  "consumer_input_index", "consumer_node", "transB", "role", "consumer_ops"]


# ---------------------------------------------------------------------------
# Verification

def arrays_equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        return bool(np.array_equal(a64, b64, equal_nan=True)
                    and np.array_equal(np.signbit(a64), np.signbit(b64)))
    return bool(np.array_equal(a.astype(np.int64), b.astype(np.int64)))


def check_model(path_or_model, full=True):
    """onnx.checker, plus strict shape inference when full. Not check_model(path,
    full_check=True): in onnx 1.12 that runs infer_shapes_path(path), which rewrites
    the model file in place (adding value_info)."""
    try:
        onnx.checker.check_model(path_or_model)
        if full:
            model = (onnx.load(path_or_model, load_external_data=False)
                     if isinstance(path_or_model, str) else path_or_model)
            onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        return "ok"
    except Exception as err:  # noqa: BLE001
        return "FAILS: " + str(err).strip().splitlines()[0][:150]


def outcome(path):
    try:
        onnx.load(path)
        load = "onnx.load ok"
    except Exception as err:  # noqa: BLE001
        msg = str(err).strip().splitlines()[0].replace(os.path.dirname(path) + "/", "<here>/")
        load = f"onnx.load fails ({type(err).__name__}: {msg[:80]})"
    res = check_model(path)
    return load + "; checker " + ("accepts" if res == "ok" else
                                  res.replace("FAILS: ", "refuses: ").replace(os.path.dirname(path) + "/", "<here>/")[:140])


def check_dequantized_by_loops(desc):
    """Element by element, with the scale/zero point index spelled out, against the
    vectorised dequantize() that wrote expected.json."""
    bad = []
    t = {e["name"]: e for e in desc["tensors"]}

    def vals(name):
        e = t[name]
        return np.array(e["values"] if "values" in e else INTENDED["qdq.onnx"][name].reshape(-1).tolist(),
                        dtype=np.float64).reshape(e["dims"])

    for e in desc["tensors"]:
        if "dequantize" not in e:
            continue
        dq = e["dequantize"]
        q = INTENDED["qdq.onnx"][e["name"]]
        s = INTENDED["qdq.onnx"][dq["scale"]]
        z = INTENDED["qdq.onnx"][dq["zero_point"]] if dq["zero_point"] else None
        out = np.zeros(q.shape, np.float32)
        for idx in np.ndindex(*q.shape):
            if dq["granularity"] == "per-tensor":
                k = ()
            elif dq["granularity"] == "per-axis":
                k = (idx[dq["axis"]],)
            else:
                k = tuple(i // dq["block_size"] if a == dq["axis"] else i for a, i in enumerate(idx))
            zz = np.float32(0) if z is None else np.float32(z[k])
            out[idx] = (np.float32(q[idx]) - zz) * np.float32(s[k])
        want = out.reshape(-1)
        if "dequantized_values" in e:
            got = np.array(e["dequantized_values"], np.float32)
            ok = np.array_equal(got, want)
        else:
            ok = (e["dequantized_first8"] == [float(v) for v in want[:8]]
                  and e["dequantized_sum"] == math.fsum(float(v) for v in want))
        if not ok:
            bad.append(f"qdq.onnx: dequantized {e['name']} differs from the loop")
    return bad


def main():
    shared = SHARED_DEFAULT
    if "--shared" in sys.argv:
        shared = sys.argv[sys.argv.index("--shared") + 1]
    if os.path.isdir(GOOD_DIR):
        shutil.rmtree(GOOD_DIR)
    os.makedirs(GOOD_DIR)

    models = OrderedDict()
    models["initializers.onnx"] = build_initializers()
    models["constants.onnx"] = build_constants()
    models["subgraphs.onnx"] = build_subgraphs()
    models["sparse.onnx"] = build_sparse()
    ext_model, ext_files = build_external(GOOD_DIR)
    models["external/model.onnx"] = ext_model
    models["qdq.onnx"] = build_qdq()
    for name, m in models.items():
        save(m, os.path.join(GOOD_DIR, name))

    expected = OrderedDict()
    expected["_about"] = (
        "Written by tests/data/make_onnx_fixtures.py. Per file, tensors in order: per graph its "
        "initializers, sparse initializers, then nodes in order (Constant nodes; subgraph attributes "
        "recursively, in stored attribute order: onnx.helper sorts attributes by name, so else_branch "
        "comes before then_branch). Names: see the script's docstring ('<node>/<attr>/<name>' in subgraphs, "
        "'<op_type>#<index>' for unnamed nodes). location: initializer | constant | subgraph; kind: "
        "initializer | sparse_initializer | constant; storage: raw_data | float_data | int32_data | "
        "int64_data | double_data | external | sparse | attribute (value_float(s)/value_int(s)). "
        "dims are the logical (dense) dims. values: <= 64 elements all values in row-major order "
        "(float16/bfloat16 converted to float exactly; floats are shortest round-trip reprs; "
        "non-finite as the strings 'NaN', 'Infinity', '-Infinity'); more: 'sum' (math.fsum, "
        "correctly rounded) and 'first8'. consumer: the first node reading the tensor (graph order, "
        "each node's inputs before its subgraphs, outer-scope reads inside subgraphs included, "
        "for Constants the reader of its output); role: ROLE_RULES by that consumer's op_type and "
        "input_index, else null. DequantizeLinear inputs also get 'dequantize' (its output, the "
        "output's consumer and role) and 'dequantized_values' = float32((q - zero_point) * scale).")
    expected["role_rules"] = OrderedDict((op, {str(k): v for k, v in r.items()}) for op, r in ROLE_RULES.items())
    expected["external_files"] = {f"external/{k}": v for k, v in ext_files.items()}
    files = OrderedDict()
    report = []
    failures = []
    written = {name: open(os.path.join(GOOD_DIR, name), "rb").read() for name in models}
    for name in models:
        path = os.path.join(GOOD_DIR, name)
        d, entries = describe_file(path)
        files[name] = d
        # verification: every tensor equals what was meant, and the other way round
        got = OrderedDict((e["name"], e["_array"]) for e in entries)
        meant = INTENDED[name]
        if list(got) != list(meant) and set(got) != set(meant):
            failures.append(f"{name}: names differ: {sorted(set(got) ^ set(meant))}")
        for k, v in meant.items():
            if k in got and not arrays_equal(got[k], v):
                failures.append(f"{name}: {k} read back differs")
            if k in got and got[k].dtype != v.dtype:
                failures.append(f"{name}: {k} dtype {got[k].dtype} != {v.dtype}")
        onnx.load(path)   # with external data
        # onnx 1.12's shape inference types sparse initializers as sparse_tensor_type,
        # which MatMul's inference refuses: sparse.onnx gets the structural check only.
        full = name != "sparse.onnx"
        report.append(f"{name}: {os.path.getsize(path)} bytes, onnx.load ok "
                      f"({len(entries)} tensors), checker{'' if full else ' (full_check=False)'}: "
                      f"{check_model(path, full)}")
    # the opset-13 twin of qdq.onnx (no blocked DequantizeLinear) must pass the checker
    report.append("qdq.onnx opset-13 twin without block_size: checker " + check_model(build_qdq(13, False)))
    # external: load_external_data path of onnx itself gives the same arrays
    m = onnx.load(os.path.join(GOOD_DIR, "external/model.onnx"))
    for t in m.graph.initializer:
        if not arrays_equal(numpy_helper.to_array(t), INTENDED["external/model.onnx"][t.name]):
            failures.append(f"external {t.name} differs via onnx.load")
    failures += check_dequantized_by_loops(files["qdq.onnx"])
    for name, data in written.items():
        if open(os.path.join(GOOD_DIR, name), "rb").read() != data:
            failures.append(f"{name} was modified by the verification")
    expected["files"] = files
    with open(os.path.join(GOOD_DIR, "expected.json"), "w") as f:
        f.write(dumps(expected) + "\n")

    init_bytes = open(os.path.join(GOOD_DIR, "initializers.onnx"), "rb").read()
    rows = make_corrupt(init_bytes)
    write_readme(rows)

    if os.path.isdir(shared):
        out = OrderedDict()
        out["_about"] = (
            "Written by tests/data/make_onnx_fixtures.py from ../shared/models/. Every tensor "
            "(initializers, Constant nodes, subgraph tensors) named as in expected.json; consumer = "
            "first reader (subgraphs searched, outer-scope reads included); role by ROLE_RULES of "
            "onnx/expected.json. float_parameter_count = sum of numel over FLOAT/FLOAT16/BFLOAT16/"
            "DOUBLE tensors (all of them, also non-learned ones). spot_checks: the 5 largest float "
            "tensors (ties in file order), first4 values and sum = math.fsum of the values as float64 "
            "(correctly rounded; a naive float64 loop may differ in the last bits).")
        for name in SHARED_MODELS:
            out[name] = describe_shared(os.path.join(shared, name))
            report.append(f"shared {name}: {out[name]['tensor_count']} tensors, "
                          f"{out[name]['float_parameter_count']} float params, {dict(out[name]['count_by_location'])}")
        with open(os.path.join(GOOD_DIR, "shared_models_expected.json"), "w") as f:
            f.write(dumps(out) + "\n")
    else:
        report.append(f"shared models not found at {shared}: shared_models_expected.json not written")

    print("\n".join(report))
    total = 0
    for root in (GOOD_DIR, CORRUPT_DIR):
        for dp, _, fns in os.walk(root):
            total += sum(os.path.getsize(os.path.join(dp, x)) for x in fns)
    print(f"total bytes in onnx/ and corrupt/onnx/: {total}")
    if failures:
        print("FAILURES:\n" + "\n".join(failures))
        sys.exit(1)
    print("verification passed")


def write_readme(rows):
    lines = [
        "# Broken ONNX models",
        "",
        "Written by `tests/data/make_onnx_fixtures.py` (do not edit by hand). Every file must",
        "be refused by the ONNX reader with the error kind given here, without crashing,",
        "hanging, reading outside the model's folder or allocating more than the file",
        "justifies. Apart from the named defect each model is valid (opset 17 unless said;",
        "one MatMul/Gemm reading the broken tensor). `external_small.bin` (32 bytes, float32",
        "0..7) is the shipped weights file of the two external range cases.",
        "",
        "| file | expected error kind | what is in it | onnx 1.12 (Python) |",
        "|---|---|---|---|",
    ]
    for name, kind, what in rows:
        lines.append(f"| `{name}` | {kind} | {what} | {outcome(os.path.join(CORRUPT_DIR, name))} |")
    lines += [
        "",
        "Not included: symlink escapes (no symlinks in the repository) and unsorted sparse",
        "indices (allowed by the reader). The last column is what onnx 1.12's `onnx.load`",
        "(which loads external data) and `onnx.checker.check_model(path)` followed by strict",
        "shape inference do. onnx 1.12 is lax: onnx.load strips leading `/` and `.` from",
        "external locations (`../../etc/passwd` becomes `etc/passwd` under the model folder)",
        "instead of refusing, reads a short external range without complaint, and the checker",
        "accepts wrong raw/typed data sizes, bad DequantizeLinear axes and scale shapes; for",
        "dims [2^40, 2^40] its numel wraps to 0 ('0-element but contains data'). The reader",
        "here must refuse every file.",
        "",
    ]
    with open(os.path.join(CORRUPT_DIR, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
