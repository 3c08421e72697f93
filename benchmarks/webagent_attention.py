"""HTML-T5-mini's encoder attention: LongT5 transient-global (TGlobal) vs dense T5, same size.

One forward+backward pass on one random sequence per length (targets 15% as long, span corruption's
share), both models measured side by side in one process (lengths interleaved, so machine load hits
both alike). Prints per length: seconds (median of the repeats) for each, the ratio dense/TGlobal,
and memory: the MiB autograd keeps for backward (activation memory) and, with `--rss`, the peak
resident memory a fresh process adds during one pass, over what it holds after imports and the
model (what the machine actually needs; some seconds of start-up per process). On a GPU `--device cuda` adds torch.cuda.max_memory_allocated.

    PYTHONPATH=$PWD python benchmarks/webagent_attention.py [--lengths 1024 2048 4096] [--repeats 3] [--rss]

The reference is the dense model of the same width and depth (the paper's claim: TGlobal is cheaper,
more so as the HTML gets longer).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

ONE_PASS = """
import sys, torch
from workbench.papers.webagent.model import ModelShape, build, measure_step
a, L, d, layers, heads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
m = build(ModelShape(615, d, 4 * d, layers, heads, attention=a))

def status(key):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key + ":"))

with open("/proc/self/clear_refs", "w") as f:   # Linux: "5" resets the peak-RSS high-water mark (VmHWM)
    f.write("5")
base = status("VmRSS")                           # after imports and the model: what the pass adds
measure_step(m, L, max(8, int(0.15 * L)), repeats=1)
print((status("VmHWM") - base) / 1024)
"""


def peak_rss_mb(attention: str, length: int, d: int, layers: int, heads: int) -> float:
    out = subprocess.run([sys.executable, "-c", ONE_PASS, attention, str(length), str(d), str(layers), str(heads)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", type=int, nargs="+", default=[1024, 2048, 4096])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--rss", action="store_true", help="also measure peak RSS of one pass in a fresh process")
    ap.add_argument("--json", help="write the rows to this file")
    args = ap.parse_args()

    import numpy as np
    from workbench.papers.webagent.model import speed_table

    rows = speed_table(615, tuple(args.lengths), args.d_model, args.layers, args.heads, repeats=args.repeats,
                       device=args.device, progress=lambda k, n: print(f"  measured {k}/{n}", file=sys.stderr))
    if args.rss:
        for r in rows:
            r["peak_rss_mb"] = peak_rss_mb(r["attention"], r["length"], args.d_model, args.layers, args.heads)
    print(f"d_model {args.d_model}, {args.layers}+{args.layers} layers, {rows[0]['params']} parameters, "
          f"{args.repeats} repeats, device {args.device}")
    print(f"{'length':>7} {'TGlobal s':>10} {'dense s':>9} {'dense/TG':>9} {'TG MiB':>8} {'dense MiB':>10} {'mem ratio':>9}"
          + (f" {'TG +RSS MiB':>12} {'dense +RSS MiB':>15}" if args.rss else ""))
    for L in args.lengths:
        g, d = (next(r for r in rows if r["length"] == L and r["attention"] == a) for a in ("tglobal", "dense"))
        tg, td = float(np.median(g["time_s"])), float(np.median(d["time_s"]))
        line = (f"{L:>7} {tg:>10.3f} {td:>9.3f} {td / tg:>8.2f}x {g['saved_mb']:>8.0f} {d['saved_mb']:>10.0f} "
                f"{d['saved_mb'] / g['saved_mb']:>8.2f}x")
        if args.rss:
            line += f" {g['peak_rss_mb']:>12.0f} {d['peak_rss_mb']:>15.0f}"
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
