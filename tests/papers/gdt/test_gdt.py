"""GDT pieces on constructed inputs: CDT histograms, the reversed aggregator's causality, W1 with a known
distance, the dataset round trip and bad inputs, token interleaving, a tiny training that lowers loss, and the
BDT diagnosis (condition windows taken from the right episode and time; a revealed action is read off)."""
import dataclasses

import numpy as np
import pytest
import torch

from workbench import WorkbenchError
from workbench.papers.gdt import data as D
from workbench.papers.gdt import diagnose as G
from workbench.papers.gdt import evaluate as E
from workbench.papers.gdt import train as TR
from workbench.papers.gdt.config import Config
from workbench.papers.gdt.model import GDT, GPTConfig, make_model

torch.set_num_threads(1)
TINY = dict(context=4, width=16, layers=1, max_ep_len=64, dropout=0.0)


def test_future_histograms_count_the_remaining_steps():
    # edges 0,1,2,3 -> bins [0,1) [1,2) [2,3]; x = 0.5, 2.5, 2.5, 1.5
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    h = D.future_histograms(np.array([0.5, 2.5, 2.5, 1.5]), edges)
    # t=0: {0.5, 2.5, 2.5, 1.5} -> 1/4, 1/4, 2/4;  t=2: {2.5, 1.5} -> 0, 1/2, 1/2;  t=3: {1.5} -> 0, 1, 0
    np.testing.assert_allclose(h[0], [0.25, 0.25, 0.5])
    np.testing.assert_allclose(h[2], [0.0, 0.5, 0.5])
    np.testing.assert_allclose(h[3], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(h.sum(1), 1.0, rtol=1e-6)
    # gamma 0.5 at t=2: weights 1 (2.5) and 0.5 (1.5) -> (0, 0.5, 1) / 1.5
    np.testing.assert_allclose(D.future_histograms(np.array([0.5, 2.5, 2.5, 1.5]), edges, 0.5)[2], [0, 1 / 3, 2 / 3], rtol=1e-6)
    # values outside the (train-split) range go to the end bins instead of being dropped
    assert list(D.bin_index(np.array([-5.0, 9.0, 3.0]), edges)) == [0, 2, 2]


def test_returns_to_go_and_bin_edges():
    np.testing.assert_allclose(D.returns_to_go(np.array([1.0, 2.0, 3.0])), [6.0, 5.0, 3.0])
    e = D.bin_edges(np.array([2.0, -1.0, 5.0]), 30)
    assert len(e) == 31 and e[0] == -1.0 and e[-1] == 5.0


def test_w1_on_histograms_with_a_known_distance():
    edges = np.linspace(0.0, 4.0, 5)        # centres 0.5, 1.5, 2.5, 3.5
    p = np.array([1.0, 0, 0, 0])
    q = np.array([0, 0, 1.0, 0])
    assert E.w1_hist(p, q, edges) == pytest.approx(2.0)                 # all mass moves 2 bins of width 1
    assert E.w1_hist(p, np.array([0.5, 0, 0, 0.5]), edges) == pytest.approx(1.5)   # half the mass moves 3
    assert E.w1_hist(p, p, edges) == 0.0
    assert E.w1_samples(np.full(10, 0.2), np.full(10, 3.9), edges) == pytest.approx(3.0)


def test_bdt_acting_position_is_conditioned_on_the_k_next_states():
    """The condition of the acting (last) position at step t moves when any of s_{t+1..t+K} moves, and with
    nothing else (not s_t, not s_{t+K+1}); in training (sample_batch's windows) and in evaluation
    (bdt_conditions over a demonstration) the same window gives the same z."""
    torch.manual_seed(0)
    K, T = 4, 30
    model = make_model("bdt", state_dim=10, act_dim=2, num_bins=30, z_dim=5, **TINY).eval()
    d = D.prepare(SMALL, _Fake())
    start, last = 7, len(d.actions[0])
    idx = D.future_index(start, K, last)
    t_act = start + K - 1
    np.testing.assert_array_equal(idx[-1], np.arange(t_act + 1, t_act + K + 1))
    assert (D.future_index(T - 3, K, T)[-1] == T).all()          # past the end: the last state, repeated
    norm = (d.states[0] - d.state_mean) / d.state_std

    def z_last(states):
        with torch.no_grad():
            return model.encode(torch.as_tensor(states[idx][None], dtype=torch.float32),
                                torch.as_tensor(idx[None]))[0, -1]

    z = z_last(norm)
    for step in range(t_act - 1, t_act + K + 3):
        bent = norm.copy()
        bent[step] += 3.0
        moved = bool((z_last(bent) - z).abs().sum() > 1e-6)
        assert moved == (t_act + 1 <= step <= t_act + K), step
    # the window sample_batch gives a training position is the one the evaluation encodes for a demonstration
    b = D.sample_batch(d, [None] * len(d.actions), 8, K, np.random.default_rng(0))
    assert b["future_states"].shape == (8, K, K, 10) and "phi" not in b
    tg = d.targets[0]
    zs = E.bdt_conditions(model, d, [tg], T - 1, K)[0]
    tnorm = (tg.states - d.state_mean) / d.state_std
    with torch.no_grad():
        direct = model.encode(torch.as_tensor(tnorm[idx][None], dtype=torch.float32), torch.as_tensor(idx[None]))[0]
    np.testing.assert_allclose(zs[start: start + K], direct.numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(WorkbenchError, match="no states"):
        E.bdt_conditions(model, d, [d.target("mixture0")], 10, K)


def test_tokens_interleave_phi_state_action_and_the_policy_is_causal():
    torch.manual_seed(0)
    model = GDT(GPTConfig(state_dim=3, act_dim=2, cond_dim=1, **TINY)).eval()
    phi, s, a = torch.randn(1, 4, 1), torch.randn(1, 4, 3), torch.randn(1, 4, 2)
    ts = torch.arange(4)[None]
    tok = model.tokens(phi, s, a, ts)
    t = model.embed_time(ts)
    ln = model.embed_ln
    torch.testing.assert_close(tok[:, 0::3], ln(model.embed_cond(phi) + t))
    torch.testing.assert_close(tok[:, 1::3], ln(model.embed_state(s) + t))
    torch.testing.assert_close(tok[:, 2::3], ln(model.embed_action(a) + t))
    out = model(phi, s, a, ts)
    a2 = a.clone()
    a2[0, 2] += 5.0                          # a_2 may change predictions at t >= 3 only, never a_2's own
    moved = (model(phi, s, a2, ts) - out).abs().sum(-1)[0] > 1e-6
    assert moved.tolist() == [False, False, False, True]


class _Fake:
    """A dataset of constructed episodes: speed i/10 for episode i, actions = tanh of the speed."""
    def __init__(self, n=16, T=30, seed=0):
        rng = np.random.default_rng(seed)
        self.eps = []
        for i in range(n):
            obs = rng.normal(size=(T + 1, 10)).astype(np.float32) * 0.1
            obs[:, D.XVEL] += i / 10
            act = np.tanh(np.stack([obs[:-1, D.XVEL], -obs[:-1, 0]], 1))
            self.eps.append({"observations": obs, "actions": act, "rewards": obs[:-1, D.XVEL].copy(),
                             "terminations": np.zeros(T, bool), "truncations": np.eye(T, dtype=bool)[-1]})

    def episodes(self):
        return self.eps


SMALL = Config(scale="smoke", n_best=2, n_median=2, bimodal_slow=(0.1,), bimodal_fast=(0.9,), context=4, width=16,
               layers=1, max_ep_len=64, episode_length=30, eval_steps=30, warmup_steps=1, updates=60, eval_every=30,
               eval_batches=2, batch_size=16, learning_rate=3e-3, dropout=0.0)


def test_split_holds_out_best_and_median_and_builds_bimodal_targets():
    d = D.prepare(SMALL, _Fake())
    assert [t.name for t in d.targets] == ["best0", "best1", "median0", "median1", "bimodal0", "mixture0"]
    assert len(d.actions) == 16 - 4
    assert d.target("best0").ret == pytest.approx(max(float(e["rewards"].sum()) for e in _Fake().episodes()))
    # bin range from the train split only (the official code's leaks the held-out targets into it)
    assert d.edges[-1] == pytest.approx(np.concatenate(d.xvel).max())
    assert d.edges[-1] < d.target("best0").feature.max()
    bi = d.target("bimodal0").feature
    assert bi[20:].mean() - bi[:10].mean() > 0.5            # slow first half, fast second half
    with pytest.raises(WorkbenchError, match="unknown target 'nope'"):
        d.target("nope")


def test_dataset_round_trip_and_malformed_file(tmp_path):
    from workbench.sim import datasets
    path = datasets.save(tmp_path / "d.npz", _Fake(n=3, T=25).episodes(), meta={"env": "runner_run"})
    ds = D.load_dataset(path)
    back = ds.episodes()
    assert len(back) == 3 and ds.meta["env"] == "runner_run"
    np.testing.assert_array_equal(back[1]["observations"], _Fake(n=3, T=25).episodes()[1]["observations"])
    np.testing.assert_array_equal(D.feature(back[2], "xvel"), back[2]["observations"][:-1, D.XVEL])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(WorkbenchError, match="not a workbench dataset"):
        D.load_dataset(bad)


def test_tiny_training_lowers_the_loss():
    d = D.prepare(SMALL, _Fake())
    for method in ("dt", "cdt", "bdt", "fdt"):
        run = TR.train(SMALL, method, d, seed=0, use_cache=False)
        _, loss = run.history.series("eval/loss")
        assert loss[-1] < 0.5 * loss[0], (method, loss)


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="methods"):
        Config(methods=("dt", "gato"))
    with pytest.raises(ValueError, match="bimodal_slow"):
        Config(bimodal_slow=(0.1,), bimodal_fast=(0.9, 0.8))
    with pytest.raises(ValueError, match="no such file"):
        Config(dataset="data/gdt/missing.npz")


def test_the_shipped_smoke_dataset_loads_and_splits():
    from workbench.paths import DATA_DIR
    ds = D.load_dataset(DATA_DIR / "gdt" / "smoke_dataset.npz")
    d = D.prepare(Config(scale="smoke", n_best=2, n_median=2, bimodal_slow=(0.1,), bimodal_fast=(0.9,), context=5,
                         episode_length=60, max_ep_len=64, eval_steps=40), ds)
    assert d.state_dim == 17 and d.act_dim == 6 and len(d.targets) == 6


class _Marked:
    """Constructed episodes whose states carry their own bookkeeping: obs[:, 1] = time step, obs[:, 2] =
    episode index, speed (obs[:, 8]) = index / 10; with reveal=True the actions are random and the next
    state shows them (obs[t + 1, 3:5] = a_t), so an inverse-dynamics reading of s_{t+1} predicts a_t."""
    def __init__(self, n=16, T=30, reveal=False, seed=0):
        rng = np.random.default_rng(seed)
        self.eps = []
        for i in range(n):
            obs = rng.normal(size=(T + 1, 10)).astype(np.float32) * 0.1
            obs[:, 1], obs[:, 2] = np.arange(T + 1), i
            obs[:, D.XVEL] += i / 10
            act = rng.uniform(-0.9, 0.9, size=(T, 2)).astype(np.float32) if reveal else np.zeros((T, 2), np.float32)
            obs[1:, 3:5] = act
            self.eps.append({"observations": obs, "actions": act, "rewards": obs[:-1, D.XVEL].copy(),
                             "terminations": np.zeros(T, bool), "truncations": np.eye(T, dtype=bool)[-1]})

    def episodes(self):
        return self.eps


def test_swap_windows_take_each_condition_from_the_right_episode_and_time():
    d = D.prepare(SMALL, _Marked())
    partner = G.speed_partners(d)
    speed = np.array([x.mean() for x in d.xvel])
    for i, j in enumerate(partner):          # the nearest other speed (train episodes are 0.1 m/s apart or more)
        assert j != i and abs(speed[j] - speed[i]) == pytest.approx(np.delete(np.abs(speed - speed[i]), i).min())
    w = G.swap_windows(d, 4, 64, np.random.default_rng(0))
    raw = {c: w["future"][c] * d.state_std + d.state_mean for c in ("own", "one late", "other")}
    own_ep = (w["states"] * d.state_std + d.state_mean)[:, 0, 2].round()
    # row j of position j's window: the K states after step t_j (obs[:, 1] is the step), clamped at the end
    after = np.minimum(w["timesteps"][..., None] + 1 + np.arange(4), 30)
    np.testing.assert_allclose(raw["own"][..., 1], after, atol=1e-3)
    np.testing.assert_allclose(raw["one late"][..., 1], np.minimum(after + 1, 30), atol=1e-3)
    np.testing.assert_allclose(raw["other"][..., 1], after, atol=1e-3)   # same clock time
    np.testing.assert_array_equal(w["future_t"]["own"], after)
    index_of = {round(float(s[0, 2])): k for k, s in enumerate(d.states)}
    other_ep = raw["other"][:, 0, 0, 2].round()
    assert all(index_of[round(o)] == partner[index_of[round(e)]] for e, o in zip(own_ep, other_ep))
    k = index_of[round(own_ep[0])]
    np.testing.assert_allclose(w["rtg"]["own"][0, :, 0], D.returns_to_go(d.rewards[k])[w["timesteps"][0]], rtol=1e-5)
    assert not w["rtg"]["none"].any() and w["future"]["none"] is None


def test_condition_swap_shows_a_condition_that_only_works_on_its_own_episode():
    cfg = dataclasses.replace(SMALL, updates=100, n_seeds=1, diag_windows=128)
    d = D.prepare(cfg, _Marked(reveal=True))
    runs = {(m, 0): TR.train(cfg, m, d, seed=0, use_cache=False) for m in ("dt", "bdt")}
    rows = G.condition_swap(cfg, {"episodes": d, "runs": runs})
    assert [r["condition"] for r in rows] == list(G.CONDITIONS)
    mse = {r["condition"]: r for r in rows}
    # BDT reads a_t off its own next state; another episode's future says nothing about this episode's actions
    assert mse["own"]["BDT action MSE"] < 0.5 * mse["other"]["BDT action MSE"]
    assert mse["own"]["BDT action MSE"] < 0.5 * mse["own"]["DT action MSE"]
    s = G.summary(rows)
    assert s["bdt_mse_own"] == mse["own"]["BDT action MSE"] and set(s) >= {"bdt_mse_other", "dt_mse_one_late"}
    assert G.condition_swap(cfg, {"episodes": d, "runs": {("dt", 0): runs[("dt", 0)]}}) == []
    # the intervention: trained on the partner's future, BDT cannot read a_t off its own next state
    other = G.condition_swap(cfg, {"episodes": d, "runs": {("dt", 0): runs[("dt", 0)],
                                                            ("bdt", 0): G.train_on_other_future(cfg, d, seed=0)}})
    assert other[0]["condition"] == "own" and other[0]["BDT action MSE"] > 2 * mse["own"]["BDT action MSE"]


def test_models_trained_in_two_worker_processes_match_one_process(tmp_path, monkeypatch):
    """run_all with workers=2 trains and rolls out every (method, seed) in spawned processes: the same losses
    and rollouts, in the same (seed, method) order, as in this process (each run with a model cache of its
    own, so both train; the XLA executables stay in the usual cache so no process recompiles the runner)."""
    from workbench import scales
    from workbench.cache import cache_dir
    from workbench.papers.gdt import experiment as X
    from workbench.sim import env  # noqa: F401  (this process's XLA cache: the usual one)
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(cache_dir() / "jax"))   # the workers' too
    monkeypatch.setenv("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.5")
    cfg = scales.resolve("gdt", "smoke", {"updates": 10, "eval_every": 5, "eval_steps": 20})
    outs, steps = {}, {}
    for workers in (1, 2):
        monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / f"w{workers}"))
        steps[workers] = []
        outs[workers] = X.run_all(dataclasses.replace(cfg, workers=workers),
                                  progress=lambda s, m, w=workers: steps[w].append(s))
    one, two = outs[1], outs[2]
    # BDT is submitted first; the results come back in the config's order all the same
    assert list(two["runs"]) == list(one["runs"]) == [("dt", 0), ("cdt", 0), ("bdt", 0), ("fdt", 0)]
    assert list(two["evals"][0]) == ["dt", "cdt", "bdt", "fdt"]
    assert not any(r.timing["cached"] for o in (one, two) for r in o["runs"].values())
    for key, run in one["runs"].items():
        _, loss = run.history.series("eval/loss")
        assert two["runs"][key].history.series("eval/loss")[1] == pytest.approx(loss, rel=1e-5), key
    for m, ev in one["evals"][0].items():
        np.testing.assert_allclose(two["evals"][0][m]["xvel"], ev["xvel"], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(two["evals"][0][m]["w1_xvel"], ev["w1_xvel"], rtol=1e-4, atol=1e-5)
    # the viewer's episode (CDT's) is recorded in the worker, the env to draw it added here
    assert [m for m, ev in two["evals"][0].items() if "pos" in ev and "env" in ev] == ["cdt"]
    # progress: every model's loss reports, at x = updates of the models finished before it
    assert sorted(steps[2]) == sorted(steps[1]) and max(steps[1]) == 4 * cfg.updates


def test_mixture_target_pools_two_behaviours_that_no_single_episode_shows():
    from workbench.papers.gdt import experiment as X
    d = D.prepare(SMALL, _Fake())
    mix, spliced = d.target("mixture0"), d.target("bimodal0")
    assert not mix.ordered and mix.states is None and mix.parts == 2 and mix.length == 30
    # the same two episodes as the spliced target, each whole: its first half is the slow one's start
    np.testing.assert_array_equal(mix.feature[:15], spliced.feature[:15])
    v = mix.values(10)
    np.testing.assert_array_equal(v, np.concatenate([mix.feature[:10], mix.feature[30:40]]))
    assert mix.ret_over(10) == pytest.approx(mix.rewards[:10].sum() / 2 + mix.rewards[30:40].sum() / 2)
    # two modes, and the closest single train episode is far from the pooled histogram
    assert mix.feature[30:].mean() - mix.feature[:30].mean() > 0.5
    near = X.mixture_nearest(d)["mixture0"]
    gap = float(mix.feature[30:].mean() - mix.feature[:30].mean())
    assert near > 0.3 * gap


def test_remaining_histogram_asks_for_what_the_rollout_has_not_matched():
    p = np.array([[0.5, 0.0, 0.5]])
    # 10 steps in all; 4 done, all in bin 0: bin 0 has 5 - 4 = 1 left, bin 2 has 5 -> (1/6, 0, 5/6)
    h = E.remaining_histogram(p, np.array([[4.0, 0.0, 0.0]]), 6)
    np.testing.assert_allclose(h, [[1 / 6, 0.0, 5 / 6]])
    # over-spent bins ask for nothing; the start is the target itself
    np.testing.assert_allclose(E.remaining_histogram(p, np.array([[0.0, 3.0, 0.0]]), 7), [[0.5, 0.0, 0.5]])
    np.testing.assert_allclose(E.remaining_histogram(p, np.zeros((1, 3)), 10), p)
    np.testing.assert_allclose(E.remaining_histogram(p, np.array([[5.0, 0.0, 5.0]]), 0), p)   # all matched


def test_feature_sum_condition_is_the_scaled_future_sum():
    np.testing.assert_allclose(D.future_sums(np.array([1.0, 2.0, 3.0]), 10.0), [0.6, 0.5, 0.3])
    d = D.prepare(SMALL, _Fake())
    c = D.conditions(d, "fdt", SMALL)
    np.testing.assert_allclose(c[0][:, 0], np.cumsum(d.xvel[0][::-1])[::-1] / SMALL.feature_scale, rtol=1e-5)
    b = D.sample_batch(d, c, 4, 4, np.random.default_rng(0))
    assert b["phi"].shape == (4, 4, 1) and "future_states" not in b


def test_measure_pairs_methods_by_target_and_pools_rollouts():
    """BDT is rolled out on no mixture: the mixture group pairs the other methods; pooled W1 gets one unit
    per (seed, target), per-rollout W1 one per (seed, target, rollout)."""
    from workbench.papers.gdt import experiment as X
    d = D.prepare(SMALL, _Fake())
    rng = np.random.default_rng(0)
    R = 3
    evals = [{}]
    for m in ("dt", "cdt", "bdt"):
        tg = X.targets_for(m, d)
        n = len(tg)
        evals[0][m] = {"targets": [t.name for t in tg], "kinds": [t.kind for t in tg],
                       "w1_xvel": rng.random((n, R)), "w1_reward": rng.random((n, R)), "returns": rng.random((n, R)),
                       "pw1_xvel": rng.random(n), "pw1_reward": rng.random(n), "target_returns": rng.random(n)}
    assert "mixture0" not in evals[0]["bdt"]["targets"] and "mixture0" in evals[0]["cdt"]["targets"]
    meas = X.measure(SMALL, {"evals": evals, "episodes": d})
    assert "w1_bdt_mixture" not in meas and "w1_cdt_mixture" in meas and "w1_bdt_heldout" in meas
    i = evals[0]["cdt"]["targets"].index("mixture0")
    assert meas["w1_cdt_mixture"].point == pytest.approx(evals[0]["cdt"]["w1_xvel"][i].mean())
    assert meas["pw1_cdt_mixture"].point == pytest.approx(evals[0]["cdt"]["pw1_xvel"][i])
    held = [k for k, t in enumerate(evals[0]["dt"]["kinds"]) if t in ("best", "median")]
    assert meas["pw1_dt_heldout"].point == pytest.approx(evals[0]["dt"]["pw1_xvel"][held].mean())
    assert meas["mixture_gap"] > 0.5 and meas["bimodal_gap"] > 0.5 and meas["mixture_nearest_w1"] > 0
    rows = X.w1_rows({"evals": evals})
    assert {(r["method"], r["targets"]) for r in rows} >= {("cdt", "mixture"), ("bdt", "best")}
    assert ("bdt", "mixture") not in {(r["method"], r["targets"]) for r in rows}


def test_pooled_w1_differs_from_the_mean_of_per_rollout_w1():
    """Two rollouts, one slow and one fast. Against a unimodal target between them both aggregates are 1 bin;
    against a target with both modes the pooled histogram (the official metric) matches exactly while each
    rollout alone is 1 bin off."""
    edges = np.linspace(0.0, 3.0, 4)       # centres 0.5, 1.5, 2.5
    target = np.full(20, 1.5)
    slow, fast = np.full(10, 0.5), np.full(10, 2.5)
    per = np.mean([E.w1_samples(target, slow, edges), E.w1_samples(target, fast, edges)])
    pooled = E.w1_samples(target, np.concatenate([slow, fast]), edges)
    assert per == pytest.approx(1.0) and pooled == pytest.approx(1.0)
    # against a bimodal target the pooled histogram of the two can match exactly, each rollout cannot
    both = np.concatenate([slow, fast])
    assert E.w1_samples(both, both, edges) == 0.0
    assert np.mean([E.w1_samples(both, slow, edges), E.w1_samples(both, fast, edges)]) == pytest.approx(1.0)
