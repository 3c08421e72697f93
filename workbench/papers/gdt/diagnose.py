"""Whose future BDT's condition carries: its action error with its own vs another episode's future window.

    rows = condition_swap(cfg, out)   # action MSE of BDT and DT under four conditions, per seed
    summary(rows)                     # seed means for results.json (bdt_mse_own, bdt_mse_other, ...)
    speeds(out)                       # target vs rollout mean speed per held-out target and method
    python -m workbench.papers.gdt.diagnose   # the intervention: BDT trained on another episode's future

In training, BDT's z_t comes from the *same* episode's K next states s_{t+1..t+K}. If z carries that
episode's own hindsight (for instance the next state, from which a_t can be read like an inverse-dynamics
model) rather than the behaviour (speed, gait), a future window from another episode of the same behaviour,
which is what one-shot imitation feeds, should be worth little more than no condition at all, while DT,
whose condition is one number, should not care.

The experiment (teacher-forced, so only the condition changes): windows of the train split with their
states, actions and timesteps; the action MSE at the acting (last) position when the condition is
  own         the window's own future windows (as in training; DT: its own return-to-go)
  one late    the own future windows one step later, s_{t+2..t+K+1} (DT: R_{t+1})
  other       the same clock times of the train episode nearest in mean x-velocity (a different rollout of
              the same behaviour, as a demonstration is; DT: that episode's return-to-go)
  none        zeros (BDT: z = 0; DT: R = 0)
"""
from __future__ import annotations

import numpy as np

from workbench.papers.gdt import data as D

CONDITIONS = ("own", "one late", "other", "none")


def speed_partners(data: D.Episodes) -> np.ndarray:
    """For each train episode, the index of the other train episode nearest in mean x-velocity."""
    speed = np.array([x.mean() for x in data.xvel])
    gap = np.abs(speed[:, None] - speed[None, :])
    np.fill_diagonal(gap, np.inf)
    return gap.argmin(1)


def _prepare(data: D.Episodes) -> dict:
    """What every draw of windows needs: speed partners, normalised states, returns-to-go."""
    return {"partner": speed_partners(data), "norm": [(s - data.state_mean) / data.state_std for s in data.states],
            "rtg": [D.returns_to_go(r)[:, None] for r in data.rewards]}


def swap_windows(data: D.Episodes, K: int, n: int, rng: np.random.Generator, prep: dict | None = None) -> dict:
    """n windows of K steps with each condition's inputs, numpy: states [n, K, S] (normalised), actions,
    timesteps [n, K]; future[c] [n, K, K, S] BDT's future windows (row j: the K states after step j, clamped at
    the episode's end), future_t[c] [n, K, K] their timesteps, and rtg[c] [n, K, 1] DT's raw return-to-go, for
    c in CONDITIONS ("none": None / zeros). Starts leave room for the one-late window in both episodes."""
    prep = prep or _prepare(data)
    partner, norm, rtg = prep["partner"], prep["norm"], prep["rtg"]
    lens = np.array([len(a) for a in data.actions])
    room = np.minimum(lens, lens[partner]) - K - 1          # start <= room - 1 keeps s_{start+K+1} inside
    if (room < 1).all():
        raise ValueError(f"no episode is longer than context + 1 ({K + 1} steps)")
    p = np.clip(room, 0, None) / np.clip(room, 0, None).sum()
    ep = rng.choice(len(lens), n, p=p)
    start = (rng.random(n) * room[ep]).astype(int)

    def cut(arrays, which, off):
        return np.stack([arrays[e][s + off: s + off + K] for e, s in zip(which, start)])

    def windows(which, off):
        idx = [D.future_index(s + off, K, lens[e]) for e, s in zip(which, start)]
        return np.stack([norm[e][i] for e, i in zip(which, idx)]), np.stack(idx)

    w = {"states": cut(norm, ep, 0), "actions": cut(data.actions, ep, 0),
         "timesteps": np.stack([np.arange(s, s + K) for s in start]), "future": {}, "future_t": {}}
    for c, (which, off) in (("own", (ep, 0)), ("one late", (ep, 1)), ("other", (partner[ep], 0))):
        w["future"][c], w["future_t"][c] = windows(which, off)
    w["future"]["none"] = w["future_t"]["none"] = None
    w["rtg"] = {"own": cut(rtg, ep, 0), "one late": cut(rtg, ep, 1), "other": cut(rtg, partner[ep], 0)}
    w["rtg"]["none"] = np.zeros_like(w["rtg"]["own"])
    return w


def train_on_other_future(cfg, data: D.Episodes, seed: int = 0):
    """The intervention outside the notebook: BDT trained exactly as `train.train` does, except that its
    encoder reads the *speed partner's* future (same clock times) instead of the window's own, so z can
    only carry the behaviour, never this episode's next state. Not cached; returns a TrainedGDT."""
    import time
    import torch
    from workbench.history import History
    from workbench.papers.gdt import train as TR
    torch.manual_seed(seed)
    model = TR.build(cfg, "bdt", data)
    opt, sched = TR.optimizer(cfg, model)
    prep, rng, t0 = _prepare(data), np.random.default_rng(seed), time.time()
    model.train()
    for _ in range(cfg.updates):
        w = swap_windows(data, cfg.context, cfg.batch_size, rng, prep)
        TR.update(model, opt, sched, TR.to_torch({"states": w["states"], "actions": w["actions"],
                                                  "timesteps": w["timesteps"], "future_states": w["future"]["other"],
                                                  "future_timesteps": w["future_t"]["other"]}))
    return TR.TrainedGDT("bdt", model.eval(), History(), {"train_s": time.time() - t0, "cached": False})


def last_position_mse(model, phi, w) -> float:
    """Action MSE at the acting (last) position of each window."""
    import torch
    st, ac = torch.as_tensor(w["states"]), torch.as_tensor(w["actions"])
    with torch.no_grad():
        pred = model(phi, st, ac, torch.as_tensor(w["timesteps"]))
    return float(((pred[:, -1] - ac[:, -1]) ** 2).mean())


def condition_swap(cfg, out: dict, n: int | None = None) -> list[dict]:
    """One row per (seed, condition): BDT's and DT's action MSE at the acting position on the same windows.
    Empty when DT or BDT was not trained."""
    import torch
    n = cfg.diag_windows if n is None else n
    rows, prep = [], _prepare(out["episodes"])
    for seed in range(cfg.n_seeds):
        if ("bdt", seed) not in out["runs"] or ("dt", seed) not in out["runs"]:
            continue
        bdt, dt = out["runs"][("bdt", seed)].model.eval(), out["runs"][("dt", seed)].model.eval()
        w = swap_windows(out["episodes"], cfg.context, n, np.random.default_rng(20_000 + seed), prep)
        for c in CONDITIONS:
            with torch.no_grad():
                z = (bdt.encode(torch.as_tensor(w["future"][c]), torch.as_tensor(w["future_t"][c]))
                     if w["future"][c] is not None else torch.zeros(*w["timesteps"].shape, bdt.cfg.cond_dim))
            r = torch.as_tensor(w["rtg"][c] / cfg.rtg_scale, dtype=torch.float32)
            rows.append({"seed": seed, "condition": c, "BDT action MSE": round(last_position_mse(bdt, z, w), 4),
                         "DT action MSE": round(last_position_mse(dt, r, w), 4)})
    return rows


def summary(rows: list[dict]) -> dict:
    """Seed means per method and condition, e.g. bdt_mse_own, dt_mse_other ({} without rows)."""
    out = {}
    for c in CONDITIONS:
        mine = [r for r in rows if r["condition"] == c]
        if mine:
            key = c.replace(" ", "_")
            out[f"bdt_mse_{key}"] = float(np.mean([r["BDT action MSE"] for r in mine]))
            out[f"dt_mse_{key}"] = float(np.mean([r["DT action MSE"] for r in mine]))
    return out


def speeds(out: dict, seed: int = 0) -> list[dict]:
    """Per held-out target: its mean x-velocity and each method's mean rollout x-velocity (m/s)."""
    eps, ev = out["episodes"], out["evals"][seed]
    first = next(iter(ev.values()))
    T = first["steps"]
    rows = []
    for i, (name, kind) in enumerate(zip(first["targets"], first["kinds"])):
        if kind not in ("best", "median"):
            continue
        row = {"target": name, "target speed": float(eps.target(name).feature[:T].mean())}
        row.update({m: float(e["xvel"][e["targets"].index(name)].mean()) for m, e in ev.items()})
        rows.append(row)
    return rows


def main(seed: int = 0) -> None:
    """`python -m workbench.papers.gdt.diagnose [seed]`: at cpu scale, held-out W1 of DT, BDT as trained in
    the notebook (weights cached by a notebook run, else trained) and BDT trained on the partner's future."""
    import torch
    from workbench.papers.gdt import evaluate as E
    from workbench.papers.gdt import train as TR
    from workbench.papers.gdt.config import Config
    torch.set_num_threads(1)
    cfg = Config()
    data = D.prepare(cfg, D.make_dataset(cfg))
    held = [t for t in data.targets if t.kind in ("best", "median")]
    runs = {"DT": TR.train(cfg, "dt", data, seed), "BDT (own future, the paper's)": TR.train(cfg, "bdt", data, seed),
            "BDT (partner's future)": train_on_other_future(cfg, data, seed)}
    for name, run in runs.items():
        o = E.rollout_targets(cfg, run, data, held, seed=seed)
        print(f"{name:32s} held-out W1 {o['w1_xvel'].mean():.3f} m/s, mean speed {o['xvel'].mean():.2f} m/s "
              f"(targets {np.mean([t.feature[:o['steps']].mean() for t in held]):.2f})", flush=True)


if __name__ == "__main__":
    import sys
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
