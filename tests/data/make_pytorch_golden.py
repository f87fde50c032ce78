#!/usr/bin/python3
"""Writes tests/data/golden/pytorch_golden.json: what PyTorch's observers and
fake-quantize functions make of a few small float32 tensors. pytorch_golden_test.cpp
checks that the engine's `pytorch` convention (and, for asymmetric schemes, its
`default` convention) reproduces every scale, zero point and dequantized value bit
for bit. The output is checked in; this script is kept so that it can be
regenerated (the tests do not need Python):

    /usr/bin/python3 tests/data/make_pytorch_golden.py

Needs torch (written against Debian's python3-torch 1.13) and numpy. Deterministic:
fixed seeds, fixed values, no timestamps.

Every float32 in the fixture is written as its bit pattern, 8 lowercase hex digits
(big-endian, i.e. "%08x" % bits), arrays as one string of concatenated patterns;
scales also carry a decimal "scales" list for readers (the hex is what tests use).

Per case:
  - PyTorch: MinMaxObserver / PerChannelMinMaxObserver(dtype, qscheme, [ch_axis],
    [reduce_range], [quant_min, quant_max]) -> calculate_qparams() -> scale, zero
    point; torch.fake_quantize_per_tensor_affine / _per_channel_affine -> x_hat.
  - "engine": the QuantConfig words that stand for the same thing (calibration is
    always minmax).
  - "default" (asymmetric cases only, and only where it differs from PyTorch): what
    spec §3-§4 (the `default` convention) gives instead. The spec and PyTorch agree
    on asymmetric grids except that PyTorch floors the scale at float32 epsilon,
    where the spec uses s = 1 for an empty (all-zero) range and no floor otherwise.
    The script computes the spec's numbers independently with numpy float32 and
    asserts that they equal PyTorch's whenever the floor is not active.
"""

import json
import os
import struct
import warnings

import numpy as np
import torch
from torch.ao.quantization import MinMaxObserver, PerChannelMinMaxObserver

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "golden")
OUT_FILE = os.path.join(OUT_DIR, "pytorch_golden.json")

F32 = np.float32
EPS = F32(np.finfo(np.float32).eps)


def hex_array(values):
    a = np.ascontiguousarray(np.asarray(values, dtype=np.float32).reshape(-1))
    return "".join("%08x" % b for b in a.view(np.uint32).tolist())


def f32_bits_hex(value):
    return "%08x" % struct.unpack("<I", struct.pack("<f", value))[0]


# ---------------------------------------------------------------------------
# Input tensors

def make_tensors():
    tensors = []  # (name, description, np.float32 array)

    def add(name, description, array):
        array = np.ascontiguousarray(array, dtype=np.float32)
        assert np.all(np.isfinite(array)), name
        tensors.append((name, description, array))

    rng = np.random.default_rng(20240611)
    add("normal7", "7 values, standard normal", rng.standard_normal(7).astype(F32))
    add("normal16x33", "16x33, normal sigma 0.05 (a Linear weight)",
        (rng.standard_normal((16, 33)) * 0.05).astype(F32))
    add("uniform5x3x4", "5x3x4, uniform in [-1, 2)",
        rng.uniform(-1.0, 2.0, (5, 3, 4)).astype(F32))

    outlier = (rng.standard_normal((31, 17)) * 0.02).astype(F32)
    outlier[7, 11] = F32(3.0)      # one large positive outlier
    outlier[20, 2] = F32(-0.75)    # and a moderate negative one in another row
    add("outlier31x17", "31x17, normal sigma 0.02 with outliers 3.0 at [7,11] and -0.75 at [20,2]",
        outlier)

    add("relu12x10", "12x10, |normal| (all >= 0, ReLU-like), some exact zeros",
        np.where(rng.uniform(size=(12, 10)) < 0.2, 0.0,
                 np.abs(rng.standard_normal((12, 10)))).astype(F32))
    add("negative4x6", "4x6, all <= 0: -|normal|",
        (-np.abs(rng.standard_normal((4, 6)))).astype(F32))
    add("zeros4x5", "4x5, all zero", np.zeros((4, 5), F32))
    add("const3x4", "3x4, every value 0.3", np.full((3, 4), 0.3, F32))
    add("constneg6", "6 values, every value -1.7", np.full(6, -1.7, F32))

    # Per-channel degenerate blocks next to ordinary ones.
    mixed = (rng.standard_normal((4, 6)) * 0.5).astype(F32)
    mixed[1, :] = 0.0
    mixed[2, :] = F32(0.625)
    add("mixed4x6", "4x6, normal sigma 0.5; row 1 all zero, row 2 constant 0.625", mixed)

    # Rounding ties for 8-bit grids: every row spans exactly [-7.96875, 7.96875], so that
    #   symmetric (PyTorch):  s = 7.96875 / 127.5 = 1/16
    #   asymmetric:           s = 15.9375 / 255  = 1/16, z = qmin - round(-127.5) (a tie too)
    # and all other values are (k + 0.5)/16, i.e. x/s lies exactly on k + 0.5.
    ties = np.empty((8, 16), F32)
    ks = np.arange(-127, 127)  # (k + 0.5) in [-126.5, 126.5]
    for r in range(8):
        row = (rng.choice(ks, 14, replace=False) + 0.5) / 16.0
        ties[r, :14] = row
        ties[r, 14] = -7.96875
        ties[r, 15] = 7.96875
        rng.shuffle(ties[r])
    ties[0, :4] = [0.03125, -0.03125, 0.09375, -0.09375]  # +-0.5 and +-1.5 steps
    ties[0, 4:6] = [-7.96875, 7.96875]
    add("ties8x16", "8x16, 8-bit ties: every row spans [-7.96875, 7.96875] (s = 1/16), "
        "other values (k + 0.5)/16", ties)

    # Ties for 4-bit grids (-8..7 and 0..15): amax 3.75 -> symmetric s = 3.75 / 7.5 = 0.5,
    # asymmetric s = 7.5 / 15 = 0.5; values (k + 0.5) * 0.5.
    ties4 = np.array([[-3.75, 3.75, 0.25, -0.25, 0.75, -0.75, 1.25, -1.25],
                      [1.75, -1.75, 2.25, -2.25, 2.75, -2.75, 3.25, -3.25],
                      [3.75, -3.75, 3.25, 2.75, -0.25, 0.25, -1.25, 1.75],
                      [-3.75, 0.75, -2.25, 3.75, 0.25, -3.25, 2.25, -0.75]], F32)
    add("ties4x8", "4x8, 4-bit ties: every row spans [-3.75, 3.75] (s = 0.5), other values "
        "(k + 0.5) * 0.5", ties4)

    # A range below 255 * eps: PyTorch floors the scale at eps, the default convention does not.
    tiny = (rng.standard_normal((6, 5)) * 1e-7).astype(F32)
    tiny[0, 0] = F32(1e-40)   # subnormal
    tiny[3, 4] = F32(-3e-39)  # subnormal
    tiny[5, :] = (rng.standard_normal(5) * 0.5).astype(F32)  # one ordinary row
    add("tiny6x5", "6x5, normal sigma 1e-7 (range below the eps floor) with two subnormals; "
        "row 5 normal sigma 0.5", tiny)
    add("tiny7", "7 values, normal sigma 1e-6 (range below the eps floor)",
        (rng.standard_normal(7) * 1e-6).astype(F32))
    return tensors


# ---------------------------------------------------------------------------
# Quantization configurations: (label, torch dtype, qscheme kind, observer kwargs,
# quant_min, quant_max, engine format)

def grids():
    # 4-bit grids exist in torch.ao.quantization only as a customized quant_min/quant_max
    # on qint8/quint8 (which is also what makes a quint8 symmetric observer pick the zero
    # point (quant_min + quant_max) // 2 instead of its fixed 128).
    return [
        ("qint8", torch.qint8, {}, -128, 127, "int8"),
        ("quint8", torch.quint8, {}, 0, 255, "uint8"),
        ("qint8_int4", torch.qint8, {"quant_min": -8, "quant_max": 7}, -8, 7, "int4"),
        ("quint8_uint4", torch.quint8, {"quant_min": 0, "quant_max": 15}, 0, 15, "uint4"),
        ("qint8_reduced", torch.qint8, {"reduce_range": True}, -64, 63, "int7"),
        ("quint8_reduced", torch.quint8, {"reduce_range": True}, 0, 127, "uint7"),
    ]


def skip_combination(grid_label, symmetric):
    # PyTorch has no such thing: MinMaxObserver(quint8, per_tensor_symmetric,
    # reduce_range=True) raises NotImplementedError ("Cannot reduce range for symmetric
    # quantization for quint8").
    return grid_label == "quint8_reduced" and symmetric


def wanted(name, array, axis, grid_label, symmetric):
    """Which combinations go into the fixture (it stays below ~300 KB)."""
    eight_bit = grid_label in ("qint8", "quint8")
    if name == "ties8x16":
        return eight_bit
    if name == "ties4x8":
        return grid_label in ("qint8_int4", "quint8_uint4")
    if array.size > 256:
        # The two large tensors: the 8-bit grids and int4 symmetric per tensor, qint8
        # symmetric (the usual weight choice) and quint8 affine per channel.
        if axis is None:
            return eight_bit or (grid_label, symmetric) == ("qint8_int4", True)
        if axis == 0:
            return (grid_label, symmetric) in (("qint8", True), ("quint8", False))
        return (grid_label, symmetric) == ("qint8", True)
    if axis not in (None, 0):
        # Inner channel axes: the 8-bit grids and int4; degenerate tensors only on axis 0.
        if name in ("zeros4x5", "const3x4", "constneg6"):
            return False
        return eight_bit or grid_label == "qint8_int4"
    return True


def observe(array, dtype, symmetric, axis, kwargs):
    x = torch.from_numpy(array.copy())
    if axis is None:
        qscheme = torch.per_tensor_symmetric if symmetric else torch.per_tensor_affine
        observer = MinMaxObserver(dtype=dtype, qscheme=qscheme, **kwargs)
    else:
        qscheme = torch.per_channel_symmetric if symmetric else torch.per_channel_affine
        observer = PerChannelMinMaxObserver(ch_axis=axis, dtype=dtype, qscheme=qscheme, **kwargs)
    observer(x)
    scale, zero_point = observer.calculate_qparams()
    qmin, qmax = observer.quant_min, observer.quant_max
    assert scale.dtype == torch.float32
    if axis is None:
        s = float(scale.item())
        z = int(zero_point.item())
        xhat = torch.fake_quantize_per_tensor_affine(x, s, z, qmin, qmax)
        # The tensor-qparams overload must agree with the float/int one.
        xhat2 = torch.fake_quantize_per_tensor_affine(
            x, scale.reshape([]).clone(), zero_point.reshape([]).to(torch.int32), qmin, qmax)
        assert torch.equal(xhat, xhat2)
        scales = [F32(s)]
        zeros = [z]
    else:
        xhat = torch.fake_quantize_per_channel_affine(
            x, scale, zero_point.to(torch.int32), axis, qmin, qmax)
        scales = [F32(v) for v in scale.numpy().tolist()]
        zeros = [int(v) for v in zero_point.tolist()]
    return qscheme, qmin, qmax, scales, zeros, xhat.numpy().astype(F32)


# ---------------------------------------------------------------------------
# The spec's default convention for an asymmetric grid (§3, §4), in numpy float32.

def spec_default_asymmetric(array, axis, qmin, qmax):
    if axis is None:
        blocks = [np.arange(array.size)]
    else:
        index = np.arange(array.size).reshape(array.shape)
        blocks = [np.take(index, c, axis=axis).reshape(-1) for c in range(array.shape[axis])]
    flat = array.reshape(-1)
    out = np.empty_like(flat)
    scales, zeros = [], []
    for block in blocks:
        x = flat[block]
        lo = min(F32(x.min()), F32(0))
        hi = max(F32(x.max()), F32(0))
        s = F32(F32(hi - lo) / F32(qmax - qmin))
        if s == 0 or not np.isfinite(s):
            s = F32(1)
        z = int(np.clip(F32(qmin) - np.rint(F32(lo / s)), qmin, qmax))
        inv = F32(F32(1) / s)
        q = np.clip(np.rint((x * inv).astype(F32)) + F32(z), F32(qmin), F32(qmax)).astype(F32)
        out[block] = (s * (q - F32(z))).astype(F32)
        scales.append(s)
        zeros.append(z)
    return scales, zeros, out.reshape(array.shape)


def same_bits(a, b):
    return np.array_equal(np.asarray(a, F32).view(np.uint32), np.asarray(b, F32).view(np.uint32))


# ---------------------------------------------------------------------------

def main():
    warnings.filterwarnings("ignore", message=".*reduce_range will be deprecated.*")
    torch.manual_seed(0)
    tensors = make_tensors()
    fixture = {
        "about": "Generated by tests/data/make_pytorch_golden.py; checked by "
                 "tests/core/pytorch_golden_test.cpp. Floats are float32 bit patterns, "
                 "8 hex digits each ('%08x' of the bits), arrays concatenated.",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "tensors": {},
        "cases": [],
    }
    for name, description, array in tensors:
        fixture["tensors"][name] = {
            "description": description,
            "shape": list(array.shape),
            "values": hex_array(array),
        }

    for name, _description, array in tensors:
        rank = array.ndim
        # PerChannelMinMaxObserver needs at least two dimensions (it flattens from dim 1).
        axes = [None] + (list(range(rank)) if rank >= 2 else [])
        for axis in axes:
            for grid_label, dtype, kwargs, qmin_expected, qmax_expected, engine_format in grids():
                for symmetric in (True, False):
                    if skip_combination(grid_label, symmetric):
                        continue
                    if not wanted(name, array, axis, grid_label, symmetric):
                        continue
                    qscheme, qmin, qmax, scales, zeros, xhat = observe(array, dtype, symmetric, axis, kwargs)
                    assert (qmin, qmax) == (qmin_expected, qmax_expected), (grid_label, qmin, qmax)
                    scheme_label = "symmetric" if symmetric else "affine"
                    gran_label = "tensor" if axis is None else "channel%d" % axis
                    case = {
                        "name": "%s_%s_%s_%s" % (name, grid_label, scheme_label, gran_label),
                        "tensor": name,
                        "torch": {
                            "dtype": str(dtype).replace("torch.", ""),
                            "qscheme": str(qscheme).replace("torch.", ""),
                            "ch_axis": axis,
                            "observer_kwargs": kwargs,
                            "quant_min": qmin,
                            "quant_max": qmax,
                        },
                        "engine": {
                            "format": engine_format,
                            "scheme": "symmetric" if symmetric else "asymmetric",
                            "granularity": "tensor" if axis is None else "channel:%d" % axis,
                        },
                        "scales": [float(s) for s in scales],
                        "scales_hex": hex_array(scales),
                        "zero_points": zeros,
                        "xhat": hex_array(xhat),
                    }
                    if not symmetric:
                        d_scales, d_zeros, d_xhat = spec_default_asymmetric(array, axis, qmin, qmax)
                        floored = any(s == EPS for s in scales)
                        if same_bits(d_scales, scales) and d_zeros == zeros and same_bits(d_xhat, xhat):
                            pass
                        else:
                            # Only the eps floor / the all-zero rule may make them differ.
                            assert floored, case["name"]
                            for ds, dz, ts, tz in zip(d_scales, d_zeros, scales, zeros):
                                if ts != EPS:
                                    assert ds == ts and dz == tz, case["name"]
                            case["default"] = {
                                "why": "PyTorch floors the scale at float32 eps; the default "
                                       "convention uses s = 1 for an all-zero block and no floor "
                                       "otherwise",
                                "scales": [float(s) for s in d_scales],
                                "scales_hex": hex_array(d_scales),
                                "zero_points": d_zeros,
                                "xhat": hex_array(d_xhat),
                            }
                    fixture["cases"].append(case)

    names = [c["name"] for c in fixture["cases"]]
    assert len(names) == len(set(names))
    os.makedirs(OUT_DIR, exist_ok=True)
    # One tensor / one case per line: diffable, and compact enough to stay small.
    compact = {"separators": (",", ":"), "sort_keys": False}
    lines = ["{"]
    for key in ("about", "torch_version", "numpy_version"):
        lines.append(" %s:%s," % (json.dumps(key), json.dumps(fixture[key])))
    lines.append(' "tensors":{')
    items = list(fixture["tensors"].items())
    for i, (key, value) in enumerate(items):
        lines.append("  %s:%s%s" % (json.dumps(key), json.dumps(value, **compact),
                                    "," if i + 1 < len(items) else ""))
    lines.append(" },")
    lines.append(' "cases":[')
    for i, case in enumerate(fixture["cases"]):
        lines.append("  %s%s" % (json.dumps(case, **compact),
                                 "," if i + 1 < len(fixture["cases"]) else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines)
    assert json.loads(text) == fixture
    with open(OUT_FILE, "w", encoding="ascii", newline="\n") as f:
        f.write(text + "\n")
    print("%s: %d tensors, %d cases, %d bytes" % (os.path.relpath(OUT_FILE, os.path.dirname(HERE)),
                                                   len(tensors), len(names), len(text) + 1))


if __name__ == "__main__":
    main()
