"""ReadAgent (Lee et al., ICML 2024, arXiv 2402.09727): pagination, gist memory and interactive look-up.

Modules, by concern:
    config.py     Config, SCALES, COST (no heavy imports)
    claims.py     the pre-registered claims
    data.py       Document/Question, QuALITY and QMSum loaders, the generated benchmark
    paginate.py   episode pagination (LLM-chosen pause points) and uniform pagination (ablation)
    agent.py      gisting, gist memory, ReadAgent-P / -S look-up, answering, reply parsers
    baselines.py  full text, BM25 top-k, neural top-k, gists only (contexts on the same pages)
    metrics.py    accuracy, ROUGE, compression rate, look-ups, evidence-page hits, LLM rater
    evaluate.py   `train(cfg, llm, progress)`: the whole experiment on a set of documents; `sanity_gate`
    viz.py        gist memory browser (ipywidgets) and static plotly figures

Run:
    workbench run readagent --scale smoke                 # replayed replies, ~20 s
    workbench run readagent --scale cpu                   # embedded SmolLM2-135M, likelihood decisions
    workbench run readagent --scale paper -p llm=openai:http://127.0.0.1:8000/v1#<model>   # free-text protocol
    workbench run readagent -p dataset=quality:/path/QuALITY.v1.0.1.htmlstripped.dev -p n_docs=230

Re-record the smoke replies after changing a prompt: run the smoke config once with
`get_llm("smollm2", record="data/readagent/smoke_replies.jsonl")` (`sanity_gate` on the documents,
then `train`), as tests/papers/readagent/test_readagent_evaluate.py::test_smoke_replay_file_covers_the_smoke_scale
describes.
"""
