"""Drawing the value stream map: time and peak memory for a 15-step and a 40-step map.

Run it as ``.venv/bin/python bench/picture.py`` from the repo root. Each size is drawn
in a fresh process (``--runs`` times, after one warm-up draw that also pays for
importing matplotlib and loading its fonts, reported on its own), so one size's memory
does not hide in another's.

Memory: ``peak RSS`` is the process's ``ru_maxrss`` (interpreter, numpy, matplotlib
and its fonts included); ``drawing`` is how much the peak grew over the process
with matplotlib already imported, i.e. what drawing the map itself costs; ``traced``
is tracemalloc's peak of Python and numpy allocations during one draw (Agg's own C++
canvas is not traced, so it is a floor).

The machine is shared: run it when the load average is low. ``CPU`` (the median
draw's process time) is what a busy machine disturbs least.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(steps: int, runs: int, out: Any) -> None:
    """In a fresh process: draw a map of ``steps`` steps ``runs`` times."""
    from assistant.vsm_picture import draw_value_stream_map
    from tests.vsm_maps import sample_map

    the_map = sample_map(steps)
    started = time.perf_counter()
    import matplotlib.backends.backend_agg  # noqa: F401  (what the first draw imports)

    imported = time.perf_counter() - started
    baseline = _rss_mb()
    started = time.perf_counter()
    png = draw_value_stream_map(the_map)
    first = time.perf_counter() - started
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        draw_value_stream_map(the_map)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    tracemalloc.start()
    draw_value_stream_map(the_map)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out.put(
        {
            "steps": steps,
            "png_kb": len(png) / 1024,
            "import_s": imported,
            "first_s": first,
            "median_s": statistics.median(times),
            "best_s": min(times),
            "cpu_s": statistics.median(cpu),
            "peak_rss_mb": _rss_mb(),
            "drawing_mb": _rss_mb() - baseline,
            "traced_mb": traced / 1024 / 1024,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, nargs="*", default=[15, 40])
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    print(
        f"{'steps':>5} {'PNG':>8} {'import':>8} {'first':>8} {'median':>8} {'best':>8} {'CPU':>8}"
        f" {'peak RSS':>9} {'drawing':>8} {'traced':>7}"
    )
    for steps in args.steps:
        queue = context.Queue()
        child = context.Process(target=measure, args=(steps, args.runs, queue))
        child.start()
        row = queue.get(timeout=600)
        child.join()
        print(
            f"{row['steps']:>5} {row['png_kb']:>6.0f}KB {row['import_s'] * 1000:>6.0f}ms"
            f" {row['first_s'] * 1000:>6.0f}ms {row['median_s'] * 1000:>6.0f}ms"
            f" {row['best_s'] * 1000:>6.0f}ms {row['cpu_s'] * 1000:>6.0f}ms"
            f" {row['peak_rss_mb']:>7.0f}MB"
            f" {row['drawing_mb']:>6.0f}MB {row['traced_mb']:>5.1f}MB"
        )
    with open("/proc/loadavg", encoding="ascii") as load:
        print(f"load average: {load.read().split()[0]} on {multiprocessing.cpu_count()} cores")


if __name__ == "__main__":
    main()
