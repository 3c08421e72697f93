"""Training samples/s of WebGUM-lite: the notebook's BC loop (`train.fit`) versus a plain PyTorch loop
(`train.fit_plain`) of the same model, loss, optimiser and data.

The notebook's loop packs the whole demonstration set into padded tensors once, draws batches of
similar HTML length and cuts each batch's padding to its own longest row; the plain loop is the
textbook one: a shuffled `DataLoader` whose `collate_fn` pads every batch from the featurised steps
again (random batches, padded to the batch's longest row). Same model (`model.WebGUMLite`, the
cpu-scale Config unless overridden), same updates, one torch thread each; the two are interleaved
over `--rounds` so machine load hits both alike, and the median ratio is printed.

Data: the cpu-scale demonstration set from the cache (`run.load_examples`; recorded on first use,
~10 min), or `--synthetic` hand-built pages (no browser, seconds).

    PYTHONPATH=$PWD python benchmarks/webgum_train.py [--steps 40] [--rounds 3] [--variant image+html] [--synthetic]
"""
from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def synthetic(cfg, n: int = 512):
    """Pages like tests/papers/webgum: three labelled buttons and some filler HTML of varying length."""
    import random

    import numpy as np

    from workbench.papers.webgum import data
    from workbench.web.actions import Action
    from workbench.web.observation import Element

    rng, ex = random.Random(0), data.Examples()
    words = [a + b for a in ("ka", "lo", "mi", "nu", "po", "ri") for b in ("da", "fe", "gi", "ho", "ju")]
    regions = {"wrap": (0, 0, 160, 210), "query": (0, 0, 160, 50), "area": (0, 50, 160, 210)}
    for k in range(n):
        labels, t = rng.sample(words, 3), rng.randrange(3)
        filler = " ".join(rng.choice(words) for _ in range(rng.choice([10, 40, 150])))
        html = f'<div id="wrap" data-wob_ref="2"><p>{filler}</p>' + "".join(
            f'<button data-wob_ref="{4 + i}">{w}</button>' for i, w in enumerate(labels)) + "</div>"
        dom = [Element(4 + i, 2, "BUTTON", w, None, "", "", 10 + 50 * i, 100, 40, 40, False, 2).to_dict()
               for i, w in enumerate(labels)]
        shot = np.random.default_rng(k).integers(0, 255, (210, 160, 3), dtype=np.uint8)
        ex.items.append(data.featurize(f'Click "{labels[t]}".', html, dom, shot, regions, [], 0, cfg,
                                       action=Action.click(4 + t)))
        ex.prev.append(-1)
        ex.episode_of.append(("synthetic", k))
    return ex


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=40, help="updates per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved measurements of each loop")
    ap.add_argument("--variant", default="image+html", choices=("image+html", "html", "image"))
    ap.add_argument("--synthetic", action="store_true", help="hand-built pages instead of the demonstrations")
    a = ap.parse_args()

    from workbench.papers.webgum import run, train
    from workbench.papers.webgum.config import Config

    cfg = Config()
    ex = synthetic(cfg) if a.synthetic else run.load_examples(cfg)[1]
    idx = list(range(len(ex.items)))
    ours, plain = [], []
    for r in range(a.rounds):
        plain.append(train.fit_plain(cfg, ex, idx, a.variant, a.steps, seed=r))
        ours.append(train.fit(replace(cfg, train_steps=a.steps, log_every=a.steps), ex, idx, a.variant, seed=r).samples_per_s)
        print(f"round {r}: fit {ours[-1]:.1f} samples/s, plain loop {plain[-1]:.1f} samples/s", flush=True)
    ratios = [o / p for o, p in zip(ours, plain)]
    print(f"{a.variant}, {len(idx)} steps ({'synthetic' if a.synthetic else 'demonstrations'}), batch {cfg.batch_size}: "
          f"fit / plain = {statistics.median(ratios):.2f}x (median of {a.rounds}; {min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
