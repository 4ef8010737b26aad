"""Vectorized hashing and string building: millions of values without a Python loop.

Strings are assembled as fixed-width byte matrices handed to Arrow as buffers, or by
`take` from small pools, so a day of requests costs a few numpy passes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_M1, _M2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def mix64(x: np.ndarray | int) -> np.ndarray:
    """SplitMix64 finalizer: a stable pseudo-random 64-bit value per input, no state."""
    z = np.asarray(x).astype(np.uint64) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def fixed_width_strings(chars: np.ndarray) -> pa.StringArray:
    """An (n, width) uint8 matrix of ASCII as an Arrow string array, without copies per row."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def hex_ids(rng: np.random.Generator, n: int, n_bytes: int, prefix: str = "") -> pa.StringArray:
    """Random identifiers such as `acct_3f9c…`: they say nothing about what they name."""
    raw = rng.integers(0, 256, size=(n, n_bytes), dtype=np.uint8)
    return hex_strings(raw, prefix)


def hex_strings(raw: np.ndarray, prefix: str = "") -> pa.StringArray:
    """Hex text of each row of an (n, k) uint8 matrix, after an optional prefix."""
    n, k = raw.shape
    digits = np.empty((n, 2 * k), dtype=np.uint8)
    digits[:, 0::2] = _HEX[raw >> 4]
    digits[:, 1::2] = _HEX[raw & 15]
    head = np.broadcast_to(np.frombuffer(prefix.encode(), dtype=np.uint8), (n, len(prefix)))
    return fixed_width_strings(np.hstack([head, digits]))


def digit_strings(values: np.ndarray, width: int) -> pa.StringArray:
    """Zero-padded decimal text (card BINs and the like)."""
    v = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return fixed_width_strings((48 + (v[:, None] // powers) % 10).astype(np.uint8))


def sample_rows(cumulative: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw per item from the categorical row `cumulative[rows]` (k columns)."""
    return np.minimum((cumulative[rows] < u[:, None]).sum(axis=1), cumulative.shape[1] - 1)


def group_positions(lengths: np.ndarray) -> np.ndarray:
    """0, 1, …, n-1 within each consecutive group of the given lengths."""
    total = int(lengths.sum())
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - starts


def null_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """`values` with nulls where `mask` is true."""
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def pick(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    """`n` draws of the keys of `weights`, in proportion to the values."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], float)
    return np.array(keys, dtype=object if isinstance(keys[0], str) else float)[rng.choice(len(keys), n, p=p / p.sum())]
