"""Pausing the cyclic garbage collector around bulk work.

A bulk import allocates millions of small acyclic objects; every generation-2 pass of the
collector then walks the whole graph index. Measured on a 100k-CI import: about a third of the
time. Reference counting still frees everything; only cycle detection waits until the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the ``with`` block (re-entrant; restores the state)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
