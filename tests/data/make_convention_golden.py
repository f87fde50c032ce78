#!/usr/bin/python3
"""Writes tests/data/golden/convention_golden.json: what the frameworks' own
arithmetic makes of a few small float32 tensors, for the engine's named conventions
(docs/quantization.md, "Conventions"). convention_golden_test.cpp checks every scale,
zero point and dequantized value bit for bit. The output is checked in; this script is
kept so that it can be regenerated (the tests do not need Python):

    /usr/bin/python3 tests/data/make_convention_golden.py

The frameworks themselves cannot be installed here, so each rule is restated with the
library its framework computes in, operation by operation and in the same precision:
  - onnxruntime: numpy, as onnxruntime.quantization.quant_utils.compute_scale_zp and
    quantize_nparray do it (float64 scale from the float32 range difference, numpy's
    round half to even, x / scale in float32, clip to the full type);
  - modelopt: torch, as TensorRT Model Optimizer's fake quantization does it
    (factor = qmax / amax, (x * factor).round(), clamp, / factor);
  - tflite: numpy float32 with an exact round half away from zero, as
    SymmetricQuantizeFloats / SymmetricPerChannelQuantization do it
    (inverse = 127 / range computed on its own, clamp to +-127, x_hat = q * scale).
Deterministic: fixed seeds, no timestamps. Float32 values are written as 8-hex-digit
bit patterns (big-endian "%08x"), arrays as one string of them.
"""

import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_FILE = os.path.join(HERE, "golden", "convention_golden.json")
F32 = np.float32


def hex_array(values):
    a = np.ascontiguousarray(np.asarray(values, dtype=np.float32).reshape(-1))
    return "".join("%08x" % b for b in a.view(np.uint32).tolist())


def tensors():
    rng = np.random.default_rng(8)
    out = {}
    out["normal"] = (rng.normal(0, 0.05, (8, 40))).astype(F32)
    # Rows whose values sit on the midpoints (k + 1/2) * amax/127 and next to them, where
    # the tie rule and x / s against x * (1/s) decide the code.
    amax = F32(0.8137)
    step = amax / F32(127)
    mids = (np.arange(-127, 127, dtype=F32) + F32(0.5)) * step
    near = np.concatenate([np.nextafter(mids, F32(-1)), mids, np.nextafter(mids, F32(1))])
    near = np.concatenate([[amax], near]).astype(F32)
    out["midpoints"] = np.resize(near, (4, 192)).astype(F32)
    out["midpoints"][:, 0] = amax
    # One-sided values, a row of zeros, a row of tiny values.
    skew = rng.gamma(2.0, 0.1, (6, 24)).astype(F32)
    skew[2] = 0
    skew[3] = skew[3] * F32(1e-30)
    out["skewed"] = skew
    return out


def round_half_away(x):
    t = np.trunc(x)
    return (t + np.where(np.abs(x - t) >= F32(0.5), np.sign(x), F32(0))).astype(F32)


def blocks_of(values, granularity):
    return [values.reshape(-1)] if granularity == "tensor" else list(values)


# --- onnxruntime -------------------------------------------------------------------

def ort_range(bits, signed, symmetric):
    full = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
    if symmetric and bits in (8, 16):
        return (full[0] + 1, full[1]) if signed else (full[0], full[1] - 1)
    return full


def ort_block(block, bits, signed, symmetric):
    qmin, qmax = ort_range(bits, signed, symmetric)
    full = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
    rmin = np.minimum(block.min(), F32(0))
    rmax = np.maximum(block.max(), F32(0))
    if symmetric:
        absmax = np.maximum(np.abs(rmin), np.abs(rmax))
        rmin, rmax = -absmax, absmax
    dr = np.array(rmax - rmin, dtype=np.float64)
    scale = dr / (np.float64(qmax) - np.float64(qmin))
    if scale < np.finfo(F32).tiny:
        scale32, zero = F32(1), 0
    else:
        if symmetric:
            zero = int(np.round((qmin + qmax) / np.float64(2)))
        else:
            zero = int(np.round(np.float64(qmin) - np.float64(rmin) / scale))
        scale32 = F32(scale)
    q = (block.astype(F32) / scale32).round() + F32(zero)
    q = np.clip(q, full[0], full[1]).astype(F32)
    xhat = (q - F32(zero)).astype(F32) * scale32
    return scale32, zero, xhat.astype(F32)


# --- modelopt ------------------------------------------------------------------------

def modelopt_block(block, bits, narrow):
    x = torch.from_numpy(block.copy())
    qmax = 2 ** (bits - 1) - 1
    qmin = -qmax if narrow else -qmax - 1
    amax = x.abs().max()
    if amax <= 2.0 ** -24:
        # An amax this small multiplies by 0 and dequantizes with a scale of 1.
        q = torch.clamp((x * torch.tensor(0.0)).round(), qmin, qmax)
        return F32(1), 0, (q / torch.tensor(1.0)).numpy().astype(F32)
    factor = torch.tensor(float(qmax), dtype=torch.float32) / amax
    q = torch.clamp((x * factor).round(), qmin, qmax)
    xhat = (q / factor).numpy().astype(F32)
    return F32(amax.numpy()) / F32(qmax), 0, xhat


# --- tflite --------------------------------------------------------------------------

def tflite_block(block, bits):
    qmax = F32(2 ** (bits - 1) - 1)
    rng = np.maximum(np.abs(block.min()), np.abs(block.max())).astype(F32)
    if rng == 0:
        return F32(1), 0, np.zeros_like(block)
    scale = F32(rng / qmax)
    inverse = F32(qmax / rng)
    q = np.clip(round_half_away((block * inverse).astype(F32)), -qmax, qmax).astype(F32)
    return scale, 0, (q * scale).astype(F32)


CASES = [
    # (convention, format, scheme, granularity, function)
    ("onnxruntime", "int8", "symmetric", "tensor", lambda b: ort_block(b, 8, True, True)),
    ("onnxruntime", "int8", "symmetric", "channel", lambda b: ort_block(b, 8, True, True)),
    ("onnxruntime", "uint8", "asymmetric", "tensor", lambda b: ort_block(b, 8, False, False)),
    ("onnxruntime", "uint8", "asymmetric", "channel", lambda b: ort_block(b, 8, False, False)),
    ("onnxruntime", "uint8", "symmetric", "channel", lambda b: ort_block(b, 8, False, True)),
    ("onnxruntime", "int4", "symmetric", "channel", lambda b: ort_block(b, 4, True, True)),
    ("modelopt", "int8", "symmetric", "tensor", lambda b: modelopt_block(b, 8, False)),
    ("modelopt", "int8", "symmetric", "channel", lambda b: modelopt_block(b, 8, False)),
    ("modelopt", "int4", "symmetric", "channel", lambda b: modelopt_block(b, 4, False)),
    ("tflite", "int8", "symmetric", "tensor", lambda b: tflite_block(b, 8)),
    ("tflite", "int8", "symmetric", "channel", lambda b: tflite_block(b, 8)),
]


def main():
    named = tensors()
    cases = []
    for tensor, values in named.items():
        for convention, fmt, scheme, granularity, run in CASES:
            scales, zeros, xhat = [], [], []
            for block in blocks_of(values, granularity):
                s, z, x = run(block.astype(F32))
                scales.append(s)
                zeros.append(int(z))
                xhat.append(x)
            cases.append({
                "name": "%s_%s_%s_%s_%s" % (tensor, convention, fmt, scheme, granularity),
                "tensor": tensor,
                "convention": convention,
                "engine": {"format": fmt, "scheme": scheme, "granularity": granularity},
                "scales_hex": hex_array(scales),
                "zero_points": zeros,
                "xhat": hex_array(np.concatenate([x.reshape(-1) for x in xhat])),
            })
    about = ("Framework arithmetic restated in numpy/torch, per "
             "tests/data/make_convention_golden.py")
    doc = {
        "about": about,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "tensors": {name: {"shape": list(v.shape), "values": hex_array(v)}
                    for name, v in named.items()},
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT_FILE), exist_ok=True)
    with open(OUT_FILE, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
