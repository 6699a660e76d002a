"""Integer layout arithmetic of the plan: splitting totals into parts, and prefix sums."""

from __future__ import annotations

import random
from array import array
from collections.abc import Sequence


def apportion(total: int, weights: Sequence[float], minimum: int) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights``, each ``>= minimum``."""
    rest = total - minimum * len(weights)
    wsum = sum(weights)
    raw = [rest * w / wsum for w in weights]
    out = [minimum + int(r) for r in raw]
    left = total - sum(out)
    order = sorted(range(len(weights)), key=lambda i: (int(raw[i]) - raw[i], i))
    for i in order[:left]:
        out[i] += 1
    return out


def random_split(total: int, parts: int, lo: int, rng: random.Random) -> list[int]:
    """Random sizes, each ``>= lo``, summing to ``total`` (stars and bars)."""
    if parts == 1:
        return [total]
    extra = total - lo * parts
    cuts = sorted(rng.sample(range(extra + parts - 1), parts - 1))
    sizes: list[int] = []
    prev = -1
    for c in cuts:
        sizes.append(lo + c - prev - 1)
        prev = c
    sizes.append(lo + extra + parts - 2 - prev)
    return sizes


def prefix_sums(sizes: Sequence[int]) -> array[int]:
    """``[0, s0, s0 + s1, ...]``: part ``i`` spans ``out[i]`` up to ``out[i + 1]``."""
    out = array("q", [0])
    total = 0
    for s in sizes:
        total += s
        out.append(total)
    return out
