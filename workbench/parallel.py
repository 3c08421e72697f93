"""Run independent pieces of work in worker processes, one core each.

    for i, result in map_in_processes(read_one, items, workers=2):
        ...   # results arrive as they finish; i is the item's position in `items`

Why processes: a small model's forward pass on one CPU thread is compute-bound, and two intra-op
threads speed it up only ~1.25x on this machine (benchmarks/llm_throughput.py), while two processes,
each on its own core with one thread, come close to 2x. Workers are started with "spawn" (safe from a
Jupyter kernel and with torch/JAX already imported), so `fn` must be a module-level function and its
arguments picklable; each worker loads what it needs itself (e.g. `get_llm(spec)`).

`workers <= 1` (or a single item) runs in this process, in order, with no pool: the same code path a
debugger or a test can step through.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable, Iterator, Sequence


def map_in_processes(fn: Callable[..., Any], items: Sequence, workers: int, *args) -> Iterator[tuple[int, Any]]:
    """Yield (index, fn(item, *args)) for every item, in order of completion. An exception in a
    worker is raised here (with the worker's traceback as its cause); the other pending items are
    cancelled."""
    if workers <= 1 or len(items) <= 1:
        for i, item in enumerate(items):
            yield i, fn(item, *args)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=ctx) as pool:
        futures = {pool.submit(fn, item, *args): i for i, item in enumerate(items)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
