#!/usr/bin/python3
"""Generate small TFLite test fixtures for QuantScope's TFLite reader.

Needs only the Python standard library and numpy (run with /usr/bin/python3).
The FlatBuffer writer and reader below are written from the FlatBuffers binary
format and the TFLite schema (tensorflow/compiler/mlir/lite/schema/schema.fbs,
file_identifier "TFL3"); no flatbuffers / tflite Python package is used and no
schema file is kept in the repository. Field ids follow the schema's declaration
order (a union takes two ids: <name>_type then <name>).

Outputs (in tests/data/tflite/):
  float_model.tflite     FULLY_CONNECTED (f32 [4,8] + bias [4]), CONV_2D (f32 filter
                         [3,3,3,2] OHWI + bias [3]), FLOAT16 weight -> DEQUANTIZE ->
                         FULLY_CONNECTED (optional bias = -1), RESHAPE with an INT32
                         shape tensor, GELU (builtin_code 150 > 127), a second subgraph
                         with an ADD constant, a SignatureDef
  int8_model.tflite      per-tensor int8 FC weight, per-channel int8 CONV_2D filter
                         (quantized_dimension 0) + int32 per-channel bias, per-channel
                         DEPTHWISE_CONV_2D filter (quantized_dimension 3), uint8 FC
                         weight zero_point 128 (with min/max), INT16 ADD constant;
                         activations have their own empty buffers (as the MLIR
                         converter writes them)
  buffer_offset.tflite   FC weight and bias stored after the FlatBuffer through
                         Buffer.offset/size (16-byte aligned, offset from file start),
                         metadata buffer_location = "outside flatbuffers"
  expected.json          what a correct reader must report for each file (also for
                         face_detection_short_range.tflite, the shipped real model,
                         when it is present)
Broken files go to tests/data/corrupt/tflite/ with README.md listing the expected
error kind of each.

Usage: /usr/bin/python3 tests/data/make_tflite_fixtures.py
"""

import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "tflite")
CORRUPT_DIR = os.path.join(HERE, "corrupt", "tflite")

# ----------------------------------------------------------------------------
# Schema facts used here
# ----------------------------------------------------------------------------
TENSOR_TYPES = [
    "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16",
    "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT",
    "UINT32", "UINT16", "INT4", "BFLOAT16", "INT2", "UINT4", "FLOAT8_E4M3FN",
    "FLOAT8_E5M2",
]
TT = {n: i for i, n in enumerate(TENSOR_TYPES)}
NP_DTYPE = {
    "FLOAT32": "<f4", "FLOAT16": "<f2", "INT32": "<i4", "UINT8": "u1", "INT64": "<i8",
    "BOOL": "u1", "INT16": "<i2", "INT8": "i1", "FLOAT64": "<f8", "UINT64": "<u8",
    "UINT32": "<u4", "UINT16": "<u2",
}
BUILTIN = {
    "ADD": 0, "CONV_2D": 3, "DEPTHWISE_CONV_2D": 4, "DEQUANTIZE": 6,
    "EMBEDDING_LOOKUP": 7, "FULLY_CONNECTED": 9, "RESHAPE": 22, "TRANSPOSE_CONV": 67,
    "QUANTIZE": 114, "BATCH_MATMUL": 126, "PLACEHOLDER_FOR_GREATER_OP_CODES": 127,
    "CONV_3D": 132, "GELU": 150,
}
BUILTIN_NAME = {v: k for k, v in BUILTIN.items()}
# Extra names, only for describing the shipped real model.
BUILTIN_NAME.update({2: "CONCATENATION", 17: "MAX_POOL_2D", 19: "RELU", 34: "PAD"})
# BuiltinOptions union member numbers (1-based position in the union; 0 = NONE).
OPT = {"Conv2DOptions": 1, "DepthwiseConv2DOptions": 2, "FullyConnectedOptions": 8,
       "AddOptions": 11, "ReshapeOptions": 17, "DequantizeOptions": 38,
       "GeluOptions": 116}

# Field ids (declaration order).
F_MODEL = dict(version=0, operator_codes=1, subgraphs=2, description=3, buffers=4,
               metadata_buffer=5, metadata=6, signature_defs=7,
               external_buffer_groups=8, external_buffers=9)
F_SUBGRAPH = dict(tensors=0, inputs=1, outputs=2, operators=3, name=4,
                  debug_metadata_index=5)
F_TENSOR = dict(shape=0, type=1, buffer=2, name=3, quantization=4, is_variable=5,
                sparsity=6, shape_signature=7, has_rank=8, variant_tensors=9,
                external_buffer=10)
F_BUFFER = dict(data=0, offset=1, size=2)
F_QUANT = dict(min=0, max=1, scale=2, zero_point=3, details_type=4, details=5,
               quantized_dimension=6)
F_OPERATOR = dict(opcode_index=0, inputs=1, outputs=2, builtin_options_type=3,
                  builtin_options=4, custom_options=5, custom_options_format=6,
                  mutating_variable_inputs=7, intermediates=8,
                  large_custom_options_offset=9, large_custom_options_size=10,
                  builtin_options_2_type=11, builtin_options_2=12,
                  debug_metadata_index=13)
F_OPCODE = dict(deprecated_builtin_code=0, custom_code=1, version=2, builtin_code=3)
F_METADATA = dict(name=0, buffer=1)
F_SIGDEF = dict(inputs=0, outputs=1, signature_key=2, deprecated_tag=3,
                subgraph_index=4)
F_TENSORMAP = dict(name=0, tensor_index=1)

# ----------------------------------------------------------------------------
# Minimal FlatBuffer writer (front-to-back layout: every referenced object is
# written after the slot that references it, so all uoffsets are positive; each
# table's vtable sits just before the table).
# ----------------------------------------------------------------------------
SCALAR_FMT = {"bool": ("<B", 1), "u8": ("<B", 1), "i8": ("<b", 1), "u16": ("<H", 2),
              "i16": ("<h", 2), "u32": ("<I", 4), "i32": ("<i", 4), "u64": ("<Q", 8),
              "i64": ("<q", 8), "f32": ("<f", 4), "f64": ("<d", 8)}


class Table:
    def __init__(self, fields, label=None):
        # fields: list of (field_id, kind, value); kind is a scalar kind or "ref".
        self.fields = [f for f in fields if f[2] is not None]
        self.label = label


class Vec:
    """Vector of scalars; `raw` bytes may replace the packed values."""

    def __init__(self, kind, values=(), align=None, raw=None, label=None):
        self.kind, self.values, self.align, self.raw, self.label = kind, list(values), align, raw, label


class TVec:
    """Vector of tables (or strings)."""

    def __init__(self, items, label=None):
        self.items, self.label = list(items), label


class Str:
    def __init__(self, s, label=None):
        self.b = s.encode() if isinstance(s, str) else bytes(s)
        self.label = label


class Writer:
    def __init__(self):
        self.buf = bytearray()
        self.pos = {}  # label -> position of the object (table start / vector length field)

    def pad_to(self, align, extra=0):
        while (len(self.buf) + extra) % align:
            self.buf.append(0)

    def put(self, fmt, at, value):
        struct.pack_into(fmt, self.buf, at, value)

    def emit(self, obj):
        if isinstance(obj, Table):
            return self.emit_table(obj)
        if isinstance(obj, Vec):
            size = SCALAR_FMT[obj.kind][1]
            align = max(4, size, obj.align or 1)
            self.pad_to(align, 4)
            at = len(self.buf)
            if obj.raw is not None:
                data = bytes(obj.raw)
                count = len(data) // size
            else:
                data = b"".join(struct.pack(SCALAR_FMT[obj.kind][0], v) for v in obj.values)
                count = len(obj.values)
            self.buf += struct.pack("<I", count) + data
            if obj.label:
                self.pos[obj.label] = at
            return at
        if isinstance(obj, Str):
            self.pad_to(4)
            at = len(self.buf)
            self.buf += struct.pack("<I", len(obj.b)) + obj.b + b"\0"
            if obj.label:
                self.pos[obj.label] = at
            return at
        if isinstance(obj, TVec):
            self.pad_to(4)
            at = len(self.buf)
            self.buf += struct.pack("<I", len(obj.items)) + b"\0" * (4 * len(obj.items))
            if obj.label:
                self.pos[obj.label] = at
            for i, item in enumerate(obj.items):
                slot = at + 4 + 4 * i
                child = self.emit(item)
                self.put("<I", slot, child - slot)
            return at
        raise TypeError(obj)

    def emit_table(self, t):
        # Inline layout: soffset (4 bytes), then fields by decreasing size, each
        # aligned to its size; the table start is 8-aligned.
        layout, off = [], 4
        items = sorted(t.fields, key=lambda f: -(4 if f[1] == "ref" else SCALAR_FMT[f[1]][1]))
        for fid, kind, value in items:
            size = 4 if kind == "ref" else SCALAR_FMT[kind][1]
            while off % size:
                off += 1
            layout.append((fid, kind, value, off))
            off += size
        tsize = off
        nfields = 1 + max([f[0] for f in t.fields], default=-1)
        vt = [0] * nfields
        for fid, _, _, o in layout:
            vt[fid] = o
        vbytes = struct.pack("<HH", 4 + 2 * nfields, tsize) + b"".join(struct.pack("<H", o) for o in vt)
        self.pad_to(8, len(vbytes))
        vt_at = len(self.buf)
        self.buf += vbytes
        at = len(self.buf)
        self.buf += b"\0" * tsize
        self.put("<i", at, at - vt_at)
        if t.label:
            self.pos[t.label] = at
            self.pos[t.label + ".vtable"] = vt_at
        for fid, kind, value, o in layout:
            if kind != "ref":
                self.put(SCALAR_FMT[kind][0], at + o, value)
        for fid, kind, value, o in layout:
            if kind == "ref":
                child = self.emit(value)
                self.put("<I", at + o, child - (at + o))
        return at

    def finish(self, root, ident=b"TFL3"):
        self.buf += b"\0\0\0\0" + ident
        root_at = self.emit(root)
        self.put("<I", 0, root_at)
        self.pos["root"] = root_at
        return bytes(self.buf)


# ----------------------------------------------------------------------------
# Minimal FlatBuffer reader (used to describe the real model and to self-check
# every generated fixture).
# ----------------------------------------------------------------------------
class Reader:
    def __init__(self, data):
        self.d = data

    def u32(self, at):
        return struct.unpack_from("<I", self.d, at)[0]

    def root(self):
        return self.u32(0)

    def field_pos(self, table, fid):
        vt = table - struct.unpack_from("<i", self.d, table)[0]
        vsize = struct.unpack_from("<H", self.d, vt)[0]
        if 4 + 2 * fid >= vsize:
            return None
        o = struct.unpack_from("<H", self.d, vt + 4 + 2 * fid)[0]
        return table + o if o else None

    def scalar(self, table, fid, kind, default=0):
        p = self.field_pos(table, fid)
        return default if p is None else struct.unpack_from(SCALAR_FMT[kind][0], self.d, p)[0]

    def ref(self, table, fid):
        p = self.field_pos(table, fid)
        return None if p is None else p + self.u32(p)

    def vec(self, table, fid, kind):
        v = self.ref(table, fid)
        if v is None:
            return None
        n = self.u32(v)
        fmt, size = SCALAR_FMT[kind]
        return [struct.unpack_from(fmt, self.d, v + 4 + i * size)[0] for i in range(n)]

    def vec_bytes(self, table, fid):
        v = self.ref(table, fid)
        if v is None:
            return None
        n = self.u32(v)
        return self.d[v + 4:v + 4 + n], v + 4

    def tables(self, table, fid):
        v = self.ref(table, fid)
        if v is None:
            return []
        n = self.u32(v)
        return [v + 4 + 4 * i + self.u32(v + 4 + 4 * i) for i in range(n)]

    def string(self, table, fid):
        s = self.ref(table, fid)
        if s is None:
            return None
        n = self.u32(s)
        return self.d[s + 4:s + 4 + n].decode()


# ----------------------------------------------------------------------------
# Model description -> FlatBuffer
# ----------------------------------------------------------------------------
def t_buffer(data=None, offset=None, size=None, label=None):
    fields = []
    if data is not None:
        fields.append((F_BUFFER["data"], "ref", Vec("u8", raw=data, align=16, label=label and label + ".data")))
    fields.append((F_BUFFER["offset"], "u64", offset))
    fields.append((F_BUFFER["size"], "u64", size))
    return Table(fields, label=label)


def t_quant(q):
    if q is None:
        return None
    fields = [
        (F_QUANT["min"], "ref", Vec("f32", q["min"]) if "min" in q else None),
        (F_QUANT["max"], "ref", Vec("f32", q["max"]) if "max" in q else None),
        (F_QUANT["scale"], "ref", Vec("f32", q["scale"])),
        (F_QUANT["zero_point"], "ref", Vec("i64", q["zero_point"])),
        (F_QUANT["quantized_dimension"], "i32", q.get("quantized_dimension", 0)),
    ]
    return Table(fields)


def t_tensor(t, i):
    fields = [
        (F_TENSOR["shape"], "ref", Vec("i32", t["shape"], label="tensor%d.shape" % i)),
        (F_TENSOR["type"], "i8", TT[t["type"]]),
        (F_TENSOR["buffer"], "u32", t["buffer"]),
        (F_TENSOR["name"], "ref", Str(t["name"])),
        (F_TENSOR["quantization"], "ref", t_quant(t.get("quant"))),
        (F_TENSOR["has_rank"], "bool", 1),
    ]
    return Table(fields, label="tensor%d" % i)


def t_operator(op, opcodes, i):
    opts = op.get("options")
    fields = [
        (F_OPERATOR["opcode_index"], "u32", op.get("opcode_index", opcodes.index(op["op"]))),
        (F_OPERATOR["inputs"], "ref", Vec("i32", op["inputs"])),
        (F_OPERATOR["outputs"], "ref", Vec("i32", op["outputs"])),
    ]
    if opts is not None:
        name, ofields = opts
        fields.append((F_OPERATOR["builtin_options_type"], "u8", OPT[name]))
        fields.append((F_OPERATOR["builtin_options"], "ref", Table(ofields)))
    return Table(fields, label="op%d" % i)


def t_opcode(name):
    code = BUILTIN[name]
    return Table([
        (F_OPCODE["deprecated_builtin_code"], "i8", min(code, 127)),
        (F_OPCODE["version"], "i32", 1),
        (F_OPCODE["builtin_code"], "i32", code),
    ])


def build_model(m):
    """m: dict(description, opcodes, subgraphs, buffers, metadata, signature_defs)."""
    opcodes = m["opcodes"]
    subgraphs = []
    tcount = 0
    for sg in m["subgraphs"]:
        tensors = []
        for t in sg["tensors"]:
            tensors.append(t_tensor(t, tcount))
            tcount += 1
        subgraphs.append(Table([
            (F_SUBGRAPH["tensors"], "ref", TVec(tensors, label="sg_tensors")),
            (F_SUBGRAPH["inputs"], "ref", Vec("i32", sg["inputs"])),
            (F_SUBGRAPH["outputs"], "ref", Vec("i32", sg["outputs"])),
            (F_SUBGRAPH["operators"], "ref", TVec([t_operator(o, opcodes, j) for j, o in enumerate(sg["operators"])])),
            (F_SUBGRAPH["name"], "ref", Str(sg["name"])),
        ]))
    buffers = [t_buffer(b.get("data"), b.get("offset"), b.get("size"), label="buffer%d" % i)
               for i, b in enumerate(m["buffers"])]
    fields = [
        (F_MODEL["version"], "u32", 3),
        (F_MODEL["operator_codes"], "ref", TVec([t_opcode(n) for n in opcodes])),
        (F_MODEL["subgraphs"], "ref", TVec(subgraphs)),
        (F_MODEL["description"], "ref", Str(m.get("description", "QuantScope test fixture"))),
        (F_MODEL["buffers"], "ref", TVec(buffers, label="buffers")),
    ]
    if m.get("metadata"):
        fields.append((F_MODEL["metadata"], "ref", TVec([
            Table([(F_METADATA["name"], "ref", Str(n)), (F_METADATA["buffer"], "u32", b)])
            for n, b in m["metadata"]])))
    if m.get("signature_defs"):
        sigs = []
        for s in m["signature_defs"]:
            sigs.append(Table([
                (F_SIGDEF["inputs"], "ref", TVec([Table([(F_TENSORMAP["name"], "ref", Str(n)), (F_TENSORMAP["tensor_index"], "u32", ix)]) for n, ix in s["inputs"]])),
                (F_SIGDEF["outputs"], "ref", TVec([Table([(F_TENSORMAP["name"], "ref", Str(n)), (F_TENSORMAP["tensor_index"], "u32", ix)]) for n, ix in s["outputs"]])),
                (F_SIGDEF["signature_key"], "ref", Str(s["key"])),
                (F_SIGDEF["subgraph_index"], "u32", s["subgraph"]),
            ]))
        fields.append((F_MODEL["signature_defs"], "ref", TVec(sigs)))
    w = Writer()
    data = w.finish(Table(fields, label="model"))
    return data, w.pos


# ----------------------------------------------------------------------------
# Fixture content
# ----------------------------------------------------------------------------
def arr_bytes(a, dtype):
    return np.ascontiguousarray(np.asarray(a).astype(dtype)).tobytes()


def conv_opts():
    # padding VALID (1), stride 1x1
    return ("Conv2DOptions", [(0, "i8", 1), (1, "i32", 1), (2, "i32", 1)])


def dw_opts():
    return ("DepthwiseConv2DOptions", [(0, "i8", 1), (1, "i32", 1), (2, "i32", 1), (3, "i32", 1)])


def fc_opts():
    return ("FullyConnectedOptions", [])


def float_model_desc(rng):
    fc_w = rng.standard_normal((4, 8)).astype(np.float32)
    fc_b = rng.standard_normal(4).astype(np.float32)
    conv_w = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)  # OHWI
    conv_b = rng.standard_normal(3).astype(np.float32)
    fp16_w = (rng.standard_normal((4, 8)) * 0.5).astype(np.float16)
    shape = np.array([2, 2], dtype=np.int32)
    add_c = np.array([0.5, -1.25, 2.0, 3.75], dtype=np.float32)
    buffers = [{}, {"data": arr_bytes(fc_w, "<f4")}, {"data": arr_bytes(fc_b, "<f4")},
               {"data": arr_bytes(conv_w, "<f4")}, {"data": arr_bytes(conv_b, "<f4")},
               {"data": arr_bytes(fp16_w, "<f2")}, {"data": arr_bytes(shape, "<i4")},
               {"data": arr_bytes(add_c, "<f4")}]
    tensors = [
        dict(name="fc_input", type="FLOAT32", shape=[1, 8], buffer=0),          # 0
        dict(name="fc/weights", type="FLOAT32", shape=[4, 8], buffer=1),        # 1
        dict(name="fc/bias", type="FLOAT32", shape=[4], buffer=2),              # 2
        dict(name="fc_output", type="FLOAT32", shape=[1, 4], buffer=0),         # 3
        dict(name="conv_input", type="FLOAT32", shape=[1, 5, 5, 2], buffer=0),  # 4
        dict(name="conv/filter", type="FLOAT32", shape=[3, 3, 3, 2], buffer=3), # 5
        dict(name="conv/bias", type="FLOAT32", shape=[3], buffer=4),            # 6
        dict(name="conv_output", type="FLOAT32", shape=[1, 3, 3, 3], buffer=0), # 7
        dict(name="fc2/weights_fp16", type="FLOAT16", shape=[4, 8], buffer=5),  # 8
        dict(name="fc2/weights_dequantized", type="FLOAT32", shape=[4, 8], buffer=0),  # 9
        dict(name="fc2_input", type="FLOAT32", shape=[1, 8], buffer=0),         # 10
        dict(name="fc2_output", type="FLOAT32", shape=[1, 4], buffer=0),        # 11
        dict(name="reshape/shape", type="INT32", shape=[2], buffer=6),          # 12
        dict(name="reshape_output", type="FLOAT32", shape=[2, 2], buffer=0),    # 13
        dict(name="gelu_output", type="FLOAT32", shape=[1, 3, 3, 3], buffer=0), # 14
    ]
    ops = [
        dict(op="FULLY_CONNECTED", inputs=[0, 1, 2], outputs=[3], options=fc_opts()),
        dict(op="CONV_2D", inputs=[4, 5, 6], outputs=[7], options=conv_opts()),
        dict(op="DEQUANTIZE", inputs=[8], outputs=[9], options=None),
        dict(op="FULLY_CONNECTED", inputs=[10, 9, -1], outputs=[11], options=fc_opts()),
        dict(op="RESHAPE", inputs=[3, 12], outputs=[13], options=("ReshapeOptions", [])),
        dict(op="GELU", inputs=[7], outputs=[14], options=("GeluOptions", [])),
    ]
    sg1 = dict(name="secondary", inputs=[0], outputs=[2], tensors=[
        dict(name="add_input", type="FLOAT32", shape=[4], buffer=0),
        dict(name="add/constant", type="FLOAT32", shape=[4], buffer=7),
        dict(name="add_output", type="FLOAT32", shape=[4], buffer=0),
    ], operators=[dict(op="ADD", inputs=[0, 1], outputs=[2], options=("AddOptions", []))])
    return dict(
        description="QuantScope float fixture",
        opcodes=["FULLY_CONNECTED", "CONV_2D", "DEQUANTIZE", "RESHAPE", "GELU", "ADD"],
        buffers=buffers,
        subgraphs=[dict(name="main", inputs=[0, 4, 10], outputs=[13, 11, 14], tensors=tensors, operators=ops), sg1],
        signature_defs=[dict(key="serving_default", subgraph=0,
                             inputs=[("x", 0), ("image", 4), ("x2", 10)],
                             outputs=[("y", 13), ("y2", 11), ("features", 14)])],
    )


def int8_model_desc(rng):
    buffers = [{}]

    def buf(data=None):
        buffers.append({} if data is None else {"data": data})
        return len(buffers) - 1

    in_scale = 0.05
    fc_w = rng.integers(-127, 128, size=(4, 8)).astype(np.int8)
    fc_w[0, 0], fc_w[0, 1] = -127, 127
    fc_w_scale = 0.02
    fc_b = rng.integers(-500, 500, size=4).astype(np.int32)
    conv_w = rng.integers(-127, 128, size=(3, 3, 3, 2)).astype(np.int8)
    conv_scales = [0.01, 0.02, 0.03]
    conv_b = rng.integers(-1000, 1000, size=3).astype(np.int32)
    dw_w = rng.integers(-127, 128, size=(1, 3, 3, 4)).astype(np.int8)
    dw_scales = [0.004, 0.008, 0.016, 0.032]
    dw_b = rng.integers(-300, 300, size=4).astype(np.int32)
    u8_w = rng.integers(0, 256, size=(2, 4)).astype(np.uint8)
    u8_w[0, 0], u8_w[0, 1], u8_w[0, 2] = 0, 128, 255
    u8_scale, u8_in_scale = 0.01, 0.5
    u8_b = rng.integers(-100, 100, size=2).astype(np.int32)
    i16_c = np.array([-32767, -1000, 0, 1, 1000, 32767], dtype=np.int16)

    def q(scale, zp, dim=0, **kw):
        d = dict(scale=[float(np.float32(s)) for s in scale], zero_point=list(zp), quantized_dimension=dim)
        d.update(kw)
        return d

    f32 = lambda x: float(np.float32(x))
    tensors = [
        dict(name="input_int8", type="INT8", shape=[1, 8], buffer=buf(), quant=q([in_scale], [-3])),             # 0
        dict(name="fc/weights_int8", type="INT8", shape=[4, 8], buffer=buf(arr_bytes(fc_w, "i1")), quant=q([fc_w_scale], [0])),  # 1
        dict(name="fc/bias_int32", type="INT32", shape=[4], buffer=buf(arr_bytes(fc_b, "<i4")), quant=q([f32(in_scale) * f32(fc_w_scale)], [0])),  # 2
        dict(name="fc_output_int8", type="INT8", shape=[1, 4], buffer=buf(), quant=q([0.1], [5])),              # 3
        dict(name="conv_input_int8", type="INT8", shape=[1, 5, 5, 2], buffer=buf(), quant=q([in_scale], [0])),   # 4
        dict(name="conv/filter_int8_per_channel", type="INT8", shape=[3, 3, 3, 2], buffer=buf(arr_bytes(conv_w, "i1")),
             quant=q(conv_scales, [0, 0, 0], 0)),                                                                   # 5
        dict(name="conv/bias_int32_per_channel", type="INT32", shape=[3], buffer=buf(arr_bytes(conv_b, "<i4")),
             quant=q([f32(in_scale) * f32(s) for s in conv_scales], [0, 0, 0], 0)),                                 # 6
        dict(name="conv_output_int8", type="INT8", shape=[1, 3, 3, 3], buffer=buf(), quant=q([0.2], [-1])),      # 7
        dict(name="dw_input_int8", type="INT8", shape=[1, 5, 5, 4], buffer=buf(), quant=q([in_scale], [0])),     # 8
        dict(name="dw/filter_int8_per_channel", type="INT8", shape=[1, 3, 3, 4], buffer=buf(arr_bytes(dw_w, "i1")),
             quant=q(dw_scales, [0, 0, 0, 0], 3)),                                                                  # 9
        dict(name="dw/bias_int32_per_channel", type="INT32", shape=[4], buffer=buf(arr_bytes(dw_b, "<i4")),
             quant=q([f32(in_scale) * f32(s) for s in dw_scales], [0, 0, 0, 0], 0)),                                # 10
        dict(name="dw_output_int8", type="INT8", shape=[1, 3, 3, 4], buffer=buf(), quant=q([0.25], [2])),        # 11
        dict(name="u8_input", type="UINT8", shape=[1, 4], buffer=buf(), quant=q([u8_in_scale], [128])),          # 12
        dict(name="fc_u8/weights_uint8", type="UINT8", shape=[2, 4], buffer=buf(arr_bytes(u8_w, "u1")),
             quant=q([u8_scale], [128], min=[f32(-1.28)], max=[f32(1.27)])),                                        # 13
        dict(name="fc_u8/bias_int32", type="INT32", shape=[2], buffer=buf(arr_bytes(u8_b, "<i4")),
             quant=q([f32(u8_in_scale) * f32(u8_scale)], [0])),                                                     # 14
        dict(name="u8_output", type="UINT8", shape=[1, 2], buffer=buf(), quant=q([0.3], [120])),                 # 15
        dict(name="add_input_int16", type="INT16", shape=[1, 6], buffer=buf(), quant=q([0.0005], [0])),          # 16
        dict(name="add/constant_int16", type="INT16", shape=[6], buffer=buf(arr_bytes(i16_c, "<i2")), quant=q([0.001], [0])),  # 17
        dict(name="add_output_int16", type="INT16", shape=[1, 6], buffer=buf(), quant=q([0.002], [0])),          # 18
    ]
    ops = [
        dict(op="FULLY_CONNECTED", inputs=[0, 1, 2], outputs=[3], options=fc_opts()),
        dict(op="CONV_2D", inputs=[4, 5, 6], outputs=[7], options=conv_opts()),
        dict(op="DEPTHWISE_CONV_2D", inputs=[8, 9, 10], outputs=[11], options=dw_opts()),
        dict(op="FULLY_CONNECTED", inputs=[12, 13, 14], outputs=[15], options=fc_opts()),
        dict(op="ADD", inputs=[16, 17], outputs=[18], options=("AddOptions", [])),
    ]
    runtime = buf(b"1.14.0".ljust(16, b"\0"))
    return dict(
        description="QuantScope int8 fixture",
        opcodes=["FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "ADD"],
        buffers=buffers,
        subgraphs=[dict(name="main", inputs=[0, 4, 8, 12, 16], outputs=[3, 7, 11, 15, 18], tensors=tensors, operators=ops)],
        metadata=[("min_runtime_version", runtime)],
    )


def buffer_offset_desc(rng, weight_len_override=None, offset_override=None, size_override=None):
    """FC weight [4,8] and bias [4] appended after the FlatBuffer (Buffer.offset/size)."""
    fc_w = rng.standard_normal((4, 8)).astype(np.float32)
    fc_b = rng.standard_normal(4).astype(np.float32)
    payloads = [arr_bytes(fc_w, "<f4"), arr_bytes(fc_b, "<f4")]
    buffers = [{}, {"offset": 2, "size": 2}, {"offset": 2, "size": 2}, {"data": b"outside flatbuffers"}]
    tensors = [
        dict(name="fc_input", type="FLOAT32", shape=[1, 8], buffer=0),
        dict(name="fc/weights", type="FLOAT32", shape=[4, 8], buffer=1),
        dict(name="fc/bias", type="FLOAT32", shape=[4], buffer=2),
        dict(name="fc_output", type="FLOAT32", shape=[1, 4], buffer=0),
    ]
    desc = dict(
        description="QuantScope buffer-offset fixture",
        opcodes=["FULLY_CONNECTED"], buffers=buffers,
        subgraphs=[dict(name="main", inputs=[0], outputs=[3], tensors=tensors,
                        operators=[dict(op="FULLY_CONNECTED", inputs=[0, 1, 2], outputs=[3], options=fc_opts())])],
        metadata=[("buffer_location", 3)],
    )
    return desc, payloads


def build_offset_model(desc, payloads, offset_override=None, size_override=None):
    """Two passes: the FlatBuffer's size does not depend on the offset values."""
    first, _ = build_model(desc)
    pos = (len(first) + 15) // 16 * 16
    offsets = []
    for p in payloads:
        offsets.append(pos)
        pos = (pos + len(p) + 15) // 16 * 16
    for i, (o, p) in enumerate(zip(offsets, payloads)):
        desc["buffers"][1 + i]["offset"] = o
        desc["buffers"][1 + i]["size"] = len(p)
    if offset_override:
        desc["buffers"][1]["offset"] = offset_override(desc["buffers"][1]["offset"])
    if size_override:
        desc["buffers"][1]["size"] = size_override(desc["buffers"][1]["size"])
    fb, pos_map = build_model(desc)
    assert len(fb) == len(first)
    out = bytearray(fb)
    for o, p in zip(offsets, payloads):
        out += b"\0" * (o - len(out))
        out += p
    out += b"\0" * ((-len(out)) % 16)
    return bytes(out), pos_map


# ----------------------------------------------------------------------------
# expected.json: decode a file with the reader above
# ----------------------------------------------------------------------------
def jfloat(x):
    return float(np.float32(x))


def describe(path, max_values=64):
    data = open(path, "rb").read()
    r = Reader(data)
    assert data[4:8] == b"TFL3"
    m = r.root()
    opcodes = []
    for oc in r.tables(m, F_MODEL["operator_codes"]):
        dep = r.scalar(oc, F_OPCODE["deprecated_builtin_code"], "i8")
        bc = r.scalar(oc, F_OPCODE["builtin_code"], "i32")
        code = max(dep, bc)  # tflite schema_utils GetBuiltinCode
        opcodes.append(dict(builtin=BUILTIN_NAME.get(code, str(code)), code=code,
                            deprecated_builtin_code=dep, builtin_code=bc,
                            version=r.scalar(oc, F_OPCODE["version"], "i32", 1)))
    buffers = []
    for b in r.tables(m, F_MODEL["buffers"]):
        vb = r.vec_bytes(b, F_BUFFER["data"])
        off = r.scalar(b, F_BUFFER["offset"], "u64")
        size = r.scalar(b, F_BUFFER["size"], "u64")
        if off > 1:
            buffers.append(dict(storage="offset", offset=off, size=size, bytes=data[off:off + size]))
        elif vb is not None and len(vb[0]) > 0:
            buffers.append(dict(storage="inline", data_pos=vb[1], size=len(vb[0]), bytes=vb[0]))
        else:
            buffers.append(dict(storage="empty", size=0, bytes=b""))
    out = dict(file_size=len(data), identifier="TFL3",
               version=r.scalar(m, F_MODEL["version"], "u32"),
               description=r.string(m, F_MODEL["description"]),
               operator_codes=opcodes,
               buffers=[{k: v for k, v in b.items() if k != "bytes"} for b in buffers],
               metadata=[dict(name=r.string(md, F_METADATA["name"]), buffer=r.scalar(md, F_METADATA["buffer"], "u32"))
                         for md in r.tables(m, F_MODEL["metadata"])],
               subgraphs=[])
    for sg in r.tables(m, F_MODEL["subgraphs"]):
        ops = []
        consumers = {}
        for j, op in enumerate(r.tables(sg, F_SUBGRAPH["operators"])):
            oi = r.scalar(op, F_OPERATOR["opcode_index"], "u32")
            ins = r.vec(op, F_OPERATOR["inputs"], "i32") or []
            outs = r.vec(op, F_OPERATOR["outputs"], "i32") or []
            name = opcodes[oi]["builtin"]
            ops.append(dict(opcode_index=oi, op=name, inputs=ins, outputs=outs,
                            builtin_options_type=r.scalar(op, F_OPERATOR["builtin_options_type"], "u8")))
            for k, t in enumerate(ins):
                if t >= 0:
                    consumers.setdefault(t, []).append(dict(op_index=j, op=name, input_index=k))
        tensors = []
        for i, t in enumerate(r.tables(sg, F_SUBGRAPH["tensors"])):
            shape = r.vec(t, F_TENSOR["shape"], "i32") or []
            ttype = TENSOR_TYPES[r.scalar(t, F_TENSOR["type"], "i8")]
            bidx = r.scalar(t, F_TENSOR["buffer"], "u32")
            e = dict(index=i, name=r.string(t, F_TENSOR["name"]), type=ttype, shape=shape,
                     buffer=bidx, buffer_storage=buffers[bidx]["storage"],
                     buffer_bytes=buffers[bidx]["size"], consumers=consumers.get(i, []))
            qt = r.ref(t, F_TENSOR["quantization"])
            quant = None
            if qt is not None:
                scale = r.vec(qt, F_QUANT["scale"], "f32")
                zp = r.vec(qt, F_QUANT["zero_point"], "i64")
                if scale:
                    quant = dict(scale=[jfloat(s) for s in scale], zero_point=zp or [],
                                 quantized_dimension=r.scalar(qt, F_QUANT["quantized_dimension"], "i32"))
                    mn, mx = r.vec(qt, F_QUANT["min"], "f32"), r.vec(qt, F_QUANT["max"], "f32")
                    if mn:
                        quant["min"] = [jfloat(v) for v in mn]
                    if mx:
                        quant["max"] = [jfloat(v) for v in mx]
            e["quantization"] = quant
            raw = buffers[bidx]["bytes"]
            if raw and ttype in NP_DTYPE:
                vals = np.frombuffer(raw, dtype=NP_DTYPE[ttype])
                n = int(np.prod(shape)) if shape else 1
                assert vals.size == n, (path, e["name"], vals.size, n)
                e["num_elements"] = n
                key = "values" if n <= max_values else "first_values"
                shown = vals[: min(n, max_values if n <= max_values else 8)]
                if ttype in ("FLOAT32", "FLOAT16", "FLOAT64"):
                    e[key] = [float(v) for v in shown]
                else:
                    e[key] = [int(v) for v in shown]
                if n > max_values:
                    e["sum_float64"] = float(vals.astype(np.float64).sum())
                if quant is not None and ttype not in ("FLOAT32", "FLOAT16", "FLOAT64"):
                    deq = dequantize(vals, shape, quant)
                    e["dequantized" if n <= max_values else "first_dequantized"] = [float(v) for v in deq[: len(shown)]]
            tensors.append(e)
        out["subgraphs"].append(dict(name=r.string(sg, F_SUBGRAPH["name"]),
                                     inputs=r.vec(sg, F_SUBGRAPH["inputs"], "i32"),
                                     outputs=r.vec(sg, F_SUBGRAPH["outputs"], "i32"),
                                     operators=ops, tensors=tensors))
    return out


def dumps(obj, level=0):
    """JSON with one-space indent; lists of scalars and small flat objects on one line."""
    pad = " " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        if all(not isinstance(v, (dict, list)) or (isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v) and len(v) <= 8)
               for v in obj.values()) and len(json.dumps(obj)) <= 120:
            return json.dumps(obj)
        items = ["%s%s: %s" % (pad, json.dumps(k), dumps(v, level + 1)) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * level + "}"
    if isinstance(obj, list):
        if all(not isinstance(x, (dict, list)) for x in obj):
            return json.dumps(obj)
        items = [pad + dumps(x, level + 1) for x in obj]
        return "[\n" + ",\n".join(items) + "\n" + " " * level + "]"
    return json.dumps(obj)


def dequantize(q, shape, quant):
    """float32((q - zp) * scale), per channel along quantized_dimension."""
    scale = np.array(quant["scale"], dtype=np.float32)
    zp = np.array(quant["zero_point"], dtype=np.int64)
    qi = q.astype(np.int64)
    if scale.size == 1:
        return (qi - zp[0]).astype(np.float32) * scale[0]
    d = quant["quantized_dimension"]
    inner = int(np.prod(shape[d + 1:])) if d + 1 < len(shape) else 1
    ch = (np.arange(qi.size) // inner) % shape[d]
    return (qi - zp[ch]).astype(np.float32) * scale[ch]


# ----------------------------------------------------------------------------
# Broken files
# ----------------------------------------------------------------------------
CORRUPT = []  # (file, expected error kind, what, flatbuffers Verifier 2.0.8 on tflite::Model)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_corrupt(rng_seed):
    os.makedirs(CORRUPT_DIR, exist_ok=True)

    def fdesc():
        return float_model_desc(np.random.default_rng(rng_seed))

    def idesc():
        return int8_model_desc(np.random.default_rng(rng_seed + 1))

    def add(name, kind, what, verifier, data):
        write(os.path.join(CORRUPT_DIR, name), data)
        CORRUPT.append((name, kind, what, verifier))

    good, _ = build_model(fdesc())

    data = bytearray(good)
    data[4:8] = b"TFL2"
    add("bad_identifier.tflite", "not a TFLite file (file_identifier is not TFL3)",
        "float_model.tflite with bytes 4..7 = `TFL2`.", "fails (identifier check)", bytes(data))

    add("truncated.tflite", "truncated / FlatBuffer verification failed",
        "float_model.tflite (%d bytes) cut to its first %d bytes." % (len(good), len(good) // 2),
        "fails", good[: len(good) // 2])

    add("tiny.tflite", "file too small / truncated",
        "6 bytes: a root offset and half an identifier.", "fails", b"\x10\x00\x00\x00TF")

    d = fdesc()
    d["subgraphs"][0]["tensors"][1]["buffer"] = 99
    add("buffer_index_out_of_range.tflite", "tensor buffer index out of range",
        "float_model.tflite with tensor 1 `fc/weights` buffer = 99 (the model has %d buffers)." % len(d["buffers"]),
        "passes", build_model(d)[0])

    d = fdesc()
    d["buffers"][1]["data"] = d["buffers"][1]["data"][:100]
    add("short_buffer_data.tflite", "buffer size != shape x element size",
        "float_model.tflite with `fc/weights` [4,8] FLOAT32 (128 bytes needed) whose Buffer.data holds 100 bytes.",
        "passes", build_model(d)[0])

    d, p = buffer_offset_desc(np.random.default_rng(rng_seed + 2))
    data, _ = build_offset_model(d, p, offset_override=lambda o: o + 4096)
    add("offset_past_eof.tflite", "Buffer.offset/size past end of file",
        "buffer_offset.tflite with buffer 1 (`fc/weights`) offset moved 4096 bytes further (size 128): "
        "offset + size > file size (%d)." % len(data), "passes", data)

    d, p = buffer_offset_desc(np.random.default_rng(rng_seed + 2))
    data, _ = build_offset_model(d, p, offset_override=lambda o: 2 ** 64 - 64)
    add("offset_overflow.tflite", "Buffer.offset/size past end of file (offset + size overflows uint64)",
        "buffer_offset.tflite with buffer 1 offset = 2^64 - 64, size 128: offset + size wraps to 64. "
        "Check `size <= file_size && offset <= file_size - size`.", "passes", data)

    d, p = buffer_offset_desc(np.random.default_rng(rng_seed + 2))
    data, _ = build_offset_model(d, p, size_override=lambda s: s - 28)
    add("offset_size_mismatch.tflite", "buffer size != shape x element size",
        "buffer_offset.tflite with buffer 1 size = 100 (in range) for `fc/weights` [4,8] FLOAT32 (128 bytes).",
        "passes", data)

    good_fb, pos = build_model(fdesc())
    data = bytearray(good_fb)
    root = pos["model"]
    struct.pack_into("<i", data, root, -0x100000)
    add("vtable_out_of_range.tflite", "FlatBuffer verification failed (vtable outside the buffer)",
        "float_model.tflite with the root Model table's soffset = -0x100000, so its vtable would be "
        "at root + 1 MiB, far past the end.", "fails", bytes(data))

    data = bytearray(good_fb)
    t0 = pos["tensor1"]
    struct.pack_into("<i", data, t0, 0x7FFFFFF0)
    add("tensor_vtable_negative.tflite", "FlatBuffer verification failed (vtable outside the buffer)",
        "float_model.tflite with tensor 1's soffset = 0x7FFFFFF0 (vtable before the start of the file).",
        "fails", bytes(data))

    data = bytearray(good_fb)
    at = pos["sg_tensors"]
    struct.pack_into("<I", data, at, 0x3FFFFFFF)
    add("huge_vector_length.tflite", "FlatBuffer verification failed (vector length past end)",
        "float_model.tflite with subgraph 0's tensors vector length = 0x3FFFFFFF (15 real entries). "
        "Do not reserve memory from the claimed count.", "fails", bytes(data))

    data = bytearray(good_fb)
    at = pos["buffer1.data"]
    struct.pack_into("<I", data, at, 0xFFFFFFF0)
    add("huge_buffer_length.tflite", "FlatBuffer verification failed (vector length past end)",
        "float_model.tflite with buffer 1's data vector length = 0xFFFFFFF0 (128 real bytes).",
        "fails", bytes(data))

    d = fdesc()
    d["subgraphs"][0]["tensors"][1]["shape"] = [4, -8]
    add("negative_dim.tflite", "negative dimension",
        "float_model.tflite with `fc/weights` shape [4, -8] (buffer still 128 bytes; abs(numel) * 4 = 128, "
        "so only a per-dimension check catches it).", "passes", build_model(d)[0])

    d = fdesc()
    d["subgraphs"][0]["tensors"][1]["shape"] = [1 << 20, 1 << 20, 1 << 20, 1 << 20]
    add("dims_overflow.tflite", "shape product overflows",
        "float_model.tflite with `fc/weights` shape [2^20, 2^20, 2^20, 2^20]: numel 2^80 overflows 64 bits "
        "(2^80 * 4 wraps to 0 in uint64); buffer 128 bytes.", "passes", build_model(d)[0])

    d = idesc()
    d["subgraphs"][0]["tensors"][5]["quant"]["scale"] = [0.01, 0.02]
    d["subgraphs"][0]["tensors"][5]["quant"]["zero_point"] = [0, 0]
    add("per_channel_scale_length.tflite", "per-channel scale count != size of quantized dimension",
        "int8_model.tflite with `conv/filter_int8_per_channel` [3,3,3,2] quantized_dimension 0 "
        "carrying 2 scales and 2 zero points (3 needed).", "passes", build_model(d)[0])

    d = idesc()
    d["subgraphs"][0]["tensors"][5]["quant"]["zero_point"] = [0, 0]
    add("zero_point_length.tflite", "zero_point count != scale count",
        "int8_model.tflite with `conv/filter_int8_per_channel`: 3 scales, 2 zero points.",
        "passes", build_model(d)[0])

    d = idesc()
    d["subgraphs"][0]["tensors"][9]["quant"]["quantized_dimension"] = 4
    add("quantized_dimension_out_of_range.tflite", "quantized_dimension out of range",
        "int8_model.tflite with `dw/filter_int8_per_channel` [1,3,3,4] quantized_dimension = 4 "
        "(rank 4: valid 0..3); 4 scales.", "passes", build_model(d)[0])

    d = idesc()
    d["subgraphs"][0]["operators"][0]["opcode_index"] = 7
    add("opcode_index_out_of_range.tflite", "operator opcode_index out of range",
        "int8_model.tflite with operator 0's opcode_index = 7 (4 operator codes).", "passes", build_model(d)[0])

    d = idesc()
    d["subgraphs"][0]["operators"][1]["inputs"] = [4, 55, 6]
    add("operator_input_out_of_range.tflite", "operator tensor index out of range",
        "int8_model.tflite with CONV_2D inputs [4, 55, 6] (19 tensors; -1 alone means an omitted "
        "optional input).", "passes", build_model(d)[0])

    d = idesc()
    d["subgraphs"][0]["tensors"][1]["quant"]["scale"] = [float("nan")]
    add("nan_scale.tflite", "invalid quantization scale (NaN / not positive)",
        "int8_model.tflite with `fc/weights_int8` scale = [NaN].", "passes", build_model(d)[0])


# ----------------------------------------------------------------------------
def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    seed = 20240611
    files = {}

    data, _ = build_model(float_model_desc(np.random.default_rng(seed)))
    write(os.path.join(OUT_DIR, "float_model.tflite"), data)
    files["float_model.tflite"] = None

    data, _ = build_model(int8_model_desc(np.random.default_rng(seed + 1)))
    write(os.path.join(OUT_DIR, "int8_model.tflite"), data)
    files["int8_model.tflite"] = None

    d, p = buffer_offset_desc(np.random.default_rng(seed + 2))
    data, _ = build_offset_model(d, p)
    write(os.path.join(OUT_DIR, "buffer_offset.tflite"), data)
    files["buffer_offset.tflite"] = None

    real = "face_detection_short_range.tflite"
    if os.path.exists(os.path.join(OUT_DIR, real)):
        files[real] = None

    expected = {
        "generator": "tests/data/make_tflite_fixtures.py",
        "conventions": {
            "type": "TensorType enum name",
            "buffer_storage": "empty (buffer 0 sentinel or no data), inline (Buffer.data), offset (Buffer.offset/size, offset from file start, valid when > 1)",
            "consumers": "every (operator index, builtin name, input index) that reads the tensor; -1 inputs are omitted optional inputs",
            "builtin": "max(deprecated_builtin_code, builtin_code), as tflite's GetBuiltinCode",
            "values": "all stored values when num_elements <= 64 (FLOAT16 decoded exactly to double); otherwise first_values (8) and sum_float64",
            "dequantized": "float32((q - zero_point[c]) * scale[c]) with c the index along quantized_dimension (c = 0 when one scale)",
            "float_values": "JSON doubles holding the exact float32 value",
        },
        "files": {},
    }
    for name in files:
        expected["files"][name] = describe(os.path.join(OUT_DIR, name))
    with open(os.path.join(OUT_DIR, "expected.json"), "w") as f:
        f.write(dumps(expected) + "\n")

    make_corrupt(seed)
    with open(os.path.join(CORRUPT_DIR, "README.md"), "w") as f:
        f.write(CORRUPT_README_HEAD)
        f.write("| file | expected error kind | what is in it | flatbuffers Verifier |\n|---|---|---|---|\n")
        for name, kind, what, ver in CORRUPT:
            f.write("| `%s` | %s | %s | %s |\n" % (name, kind, what, ver))
        f.write(CORRUPT_README_TAIL)
    for name in sorted(os.listdir(OUT_DIR)):
        print("%-40s %8d" % (name, os.path.getsize(os.path.join(OUT_DIR, name))))
    print("%d broken files in %s" % (len(CORRUPT), os.path.relpath(CORRUPT_DIR, HERE)))


CORRUPT_README_HEAD = """# Broken TFLite models

Written by `tests/data/make_tflite_fixtures.py` (do not edit by hand). Every file must
be refused by the TFLite reader with the error kind given here, without crashing,
hanging, reading outside the file or allocating more than the file justifies. Apart
from the named defect each file is `float_model.tflite`, `int8_model.tflite` or
`buffer_offset.tflite` from `tests/data/tflite/` (same generator, same seeds).

The last column is what flatbuffers 2.0.8's `Verifier` (`tflite::VerifyModelBuffer`
with the identifier check, default depth/table limits) says: "passes" means the
defect is semantic and only the reader's own checks can catch it.

"""

CORRUPT_README_TAIL = """
Not included: cyclic or deeply nested structures (a TFLite FlatBuffer has no
recursive tables a reader follows; the Verifier's depth limit covers the rest).
"""


if __name__ == "__main__":
    main()
