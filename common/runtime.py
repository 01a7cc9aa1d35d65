"""Process-wide runtime tuning, applied by the `edu` commands that run for long (never by the
app factories, which tests call many times in one process)."""

from __future__ import annotations

import gc

# Young objects allowed before a collection (CPython's default is 700).
YOUNG_COLLECTION_THRESHOLD = 20_000


def tune_garbage_collection() -> None:
    """Collects less often, and never again looks at what start-up left alive.

    Rebuilds, projectors and request handlers allocate millions of short-lived containers
    (rows, index entries, documents), with nearly no reference cycles: refcounting frees them.
    With the defaults, a collection ran every 700 allocations, and the older generations held
    the tens of thousands of objects imports leave behind (modules, classes, functions), which
    every full collection traversed again. Frozen, they are skipped; collecting at 20,000 young
    objects instead of 700 took the `courses` rebuild's Python time from 12.5 s to 8.2 s at
    100,000 courses (docs/benchmarks/catalog-analysis.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, 20, 20)
