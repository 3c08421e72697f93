"""HTML-T5-mini's two attentions: same parameters, and TGlobal keeps less for backward on long inputs."""
from workbench.papers.webagent.model import ModelShape, build, measure_step, n_params


def test_tglobal_and_dense_match_in_size_and_tglobal_saves_memory():
    shape = dict(vocab_size=300, d_model=32, d_ff=64, layers=1, heads=2, local_radius=15)   # a small window keeps it fast
    g, d = build(ModelShape(**shape, attention="tglobal")), build(ModelShape(**shape, attention="dense"))
    # TGlobal adds one layer norm for the global aggregates per encoder layer (d_model weights) and its own
    # relative-position table for the global keys (32 buckets x 2 heads)
    assert n_params(g) - n_params(d) == 32 + 32 * 2
    rg, rd = measure_step(g, 512, 16, repeats=1), measure_step(d, 512, 16, repeats=1)
    # dense keeps 2 heads x 512 x 512 scores (2 MiB per copy); TGlobal 2 heads x 512 x (3 x 16 local + 32 global)
    assert rd["saved_mb"] > 2 * rg["saved_mb"]
    assert len(rg["time_s"]) == 1 and rg["cuda_peak_mb"] is None
