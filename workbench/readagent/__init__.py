"""ReadAgent (Lee et al., ICML 2024, arXiv 2402.09727): pagination, gist memory and interactive look-up.

Modules, by concern:
    config.py     Config, SCALES, COST (no heavy imports)
    claims.py     the pre-registered claims
    data.py       Document/Question, QuALITY and QMSum loaders, the generated benchmark
    paginate.py   episode pagination (LLM-chosen pause points) and uniform pagination (ablation)
    agent.py      gisting, gist memory, ReadAgent-P / -S look-up, answering, reply parsers
    baselines.py  full text, BM25 top-k, neural top-k, gists only (contexts on the same pages)
    metrics.py    accuracy, ROUGE, compression rate, look-ups, evidence-page hits, LLM rater
    evaluate.py   `train(cfg, llm, progress)`: the whole experiment on a set of documents
    viz.py        gist memory browser (ipywidgets) and static plotly figures
"""
