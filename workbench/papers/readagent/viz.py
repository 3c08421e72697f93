"""Figures and the gist memory browser for a `Run`.

`GistBrowser(run)` is the ipywidgets browser (Lab): one document at a time, its pages and gists side by
side, the compression of each page, and for each question the pages each method opened, with the
evidence page highlighted. `memory_table_figure(run)` is the static plotly version (a dropdown over
documents) that survives in the offline report.
"""
from __future__ import annotations

import html

import plotly.graph_objects as go

from workbench import plots
from workbench.papers.readagent.data import LETTERS

# QuALITY dev, PaLM 2-L (paper Table 1 and the §4.2 ablation): (accuracy %, CR %)
PAPER = {"readagent_p": (86.83, 66.45), "readagent_s": (87.17, 58.53), "gists": (77.52, 85.53),
         "bm25": (84.42, 58.57), "neural": (84.88, 60.68), "full": (85.83, 0.0), "uniform_p": (85.71, None)}
LABELS = {"readagent_p": "ReadAgent-P", "readagent_s": "ReadAgent-S", "gists": "gists only", "bm25": "BM25 top-k",
          "neural": "neural top-k", "full": "full text (truncated to the context)", "uniform_p": "ReadAgent-P, uniform pages",
          "copy_question": "the question, copied (floor)"}
HIGHLIGHT = "#fde68a"   # evidence page


# QMSum validation, PaLM 2-L (paper Table 3): (ROUGE-L, CR %); truncation is the first 6k words
PAPER_QMSUM = {"readagent_p": (20.26, 73.48), "readagent_s": (21.15, 70.34), "gists": (20.15, 83.13),
               "bm25": (20.69, None), "neural": (20.82, None), "full": (16.58, None)}


def score_of(run) -> tuple[str, str, dict, float | None]:
    """The dataset's own measure: ('accuracy', label, paper numbers, chance) for multiple choice,
    ('rougeL', label, the paper's QMSum numbers, None) for free-form answers."""
    s = run.summary()
    if "accuracy" in s and s["accuracy"].notna().any():
        return "accuracy", "accuracy (%)", {m: v[0] for m, v in PAPER.items()}, 25.0
    return "rougeL", "ROUGE-L F1 (x100)", {m: v[0] for m, v in PAPER_QMSUM.items()}, None


def accuracy_figure(run) -> go.Figure:
    """The dataset's measure per method (accuracy, or ROUGE-L on free-form answers), ours next to the
    paper's (QuALITY or QMSum, PaLM 2-L); chance (multiple choice) or the copy-the-question floor."""
    s = run.summary()
    col, label, paper, chance = score_of(run)
    methods = [m for m in s.index if s.loc[m, col] == s.loc[m, col]]
    fig = go.Figure()
    fig.add_bar(x=[LABELS[m] for m in methods], y=[100 * s.loc[m, col] for m in methods], name="this run",
                marker_color=plots.COLORS[0], text=[f"{100 * s.loc[m, col]:.1f}" for m in methods])
    fig.add_bar(x=[LABELS[m] for m in methods], y=[paper.get(m) for m in methods],
                name="paper (PaLM 2-L, " + ("QuALITY)" if col == "accuracy" else "QMSum)"),
                marker_color=plots.COLORS[7], opacity=0.6)
    if chance is not None:
        fig.add_hline(y=chance, line_dash="dash", line_color="gray", annotation_text="chance (4 options)")
    return plots.style(fig, f"{label.split(' (')[0]} by method", "method", label, barmode="group",
                       yaxis_range=[0, 100 if col == "accuracy" else None])


def gate_figure(gate: dict) -> go.Figure:
    """The sanity gate (`evaluate.sanity_gate`): accuracy with the evidence page as the whole text and
    with no text, against chance."""
    fig = go.Figure()
    fig.add_bar(x=["evidence page only", "no text"], y=[100 * gate["with_page"], 100 * gate["no_page"]],
                marker_color=[plots.COLORS[0], plots.COLORS[7]],
                text=[f"{100 * gate['with_page']:.0f}", f"{100 * gate['no_page']:.0f}"])
    fig.add_hline(y=100 * gate["chance"], line_dash="dash", line_color="gray", annotation_text="chance")
    fig.add_hline(y=80, line_dash="dot", line_color="green", annotation_text="gate: 80%")
    return plots.style(fig, f"Sanity gate: can the model read the evidence page? ({gate['questions']} questions)",
                       "what the model reads", "accuracy (%)", yaxis_range=[0, 100])


def tradeoff_figure(run) -> go.Figure:
    """Compression rate against the dataset's measure (the paper's Table 1 / Table 3 trade-off)."""
    s = run.summary()
    col, label, _, _ = score_of(run)
    paper = PAPER if col == "accuracy" else PAPER_QMSUM
    fig = go.Figure()
    for i, m in enumerate(s.index):
        if s.loc[m, col] != s.loc[m, col]:
            continue
        fig.add_scatter(x=[s.loc[m, "cr_pct"]], y=[100 * s.loc[m, col]], mode="markers+text", text=[LABELS[m]],
                        textposition="top center", marker=dict(size=12, color=plots.COLORS[i % 10]), name=LABELS[m])
        score, cr = paper.get(m, (None, None))
        if cr is not None:
            fig.add_scatter(x=[cr], y=[score], mode="markers", marker=dict(size=10, symbol="x", color=plots.COLORS[i % 10]),
                            name=f"{LABELS[m]} (paper)", showlegend=False)
    return plots.style(fig, "Compression vs score (circles: this run; crosses: paper)", "compression rate (%)",
                       label, xaxis_range=[-5, 105], yaxis_range=[0, 100 if col == "accuracy" else None])


def page_compression_figure(run) -> go.Figure:
    """Words per page and per gist, for every page of every document (LLM pagination)."""
    fig = go.Figure()
    xs, pw, gw = [], [], []
    for doc_id, dm in run.memories.items():
        for p, g in zip(dm.memory.pages, dm.memory.gists):
            xs.append(f"{doc_id} p{p.index}")
            pw.append(p.words)
            gw.append(len(g.split()))
    fig.add_bar(x=xs, y=pw, name="page", marker_color=plots.COLORS[0])
    fig.add_bar(x=xs, y=gw, name="gist", marker_color=plots.COLORS[1],
                text=[f"{100 * (1 - g / p):.0f}%" for p, g in zip(pw, gw)], textposition="outside")
    return plots.style(fig, "Page and gist lengths (label: compression per page)", "document and page",
                       "length (words)", barmode="group")


def lookup_figure(run, methods=("readagent_p", "readagent_s", "bm25", "neural")) -> go.Figure:
    """Which pages each question opened (rows: questions x method; columns: page), evidence in yellow."""
    rows, z, text = [], [], []
    n_max = max(len(dm.memory.pages) for dm in run.memories.values())
    for r in run.records:
        if r["method"] not in methods:
            continue
        rows.append(f"{r['qid']} {LABELS[r['method']]}")
        line, tl = [], []
        for i in range(n_max):
            opened, ev = i in r["opened"], i in r["evidence_pages"]
            line.append(float("nan") if i >= r["n_pages"] else (2 if opened and ev else 1 if opened else 0.5 if ev else 0))
            tl.append("opened, evidence" if opened and ev else "opened" if opened else "evidence" if ev else "")
        z.append(line)
        text.append(tl)
    colorscale = [[0, "#f3f4f6"], [0.25, HIGHLIGHT], [0.5, "#93c5fd"], [1, "#16a34a"]]
    fig = go.Figure(go.Heatmap(z=z, y=rows, x=[f"page {i}" for i in range(n_max)], text=text, zmin=0, zmax=2,
                               hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>", colorscale=colorscale,
                               showscale=False))
    fig.update_layout(height=max(300, 18 * len(rows) + 120), yaxis_autorange="reversed")
    return plots.style(fig, "Pages opened per question (yellow: evidence page; blue: opened; green: both)",
                       "page", "question and method")


def _short(text: str, n: int = 400) -> str:
    return text if len(text) <= n else text[:n] + " ..."


SHORT = {"readagent_p": "P", "readagent_s": "S", "bm25": "BM25", "neural": "NN", "uniform_p": "uP"}


def _plain(text: str) -> str:
    """Text for a plotly table cell (it renders a few tags, not entities): no angle brackets."""
    return text.replace("<", "\u2039").replace(">", "\u203a")


def memory_table_figure(run, page_chars: int = 600) -> go.Figure:
    """Static gist memory browser: pages and gists side by side, one document per dropdown entry.
    Rows of pages that hold some question's answer are yellow; the last columns say which question's
    evidence a page holds and which (question, method) pairs opened it (P, S, BM25, NN = neural)."""
    fig = go.Figure()
    docs = list(run.memories)
    for d, doc_id in enumerate(docs):
        dm = run.memories[doc_id]
        recs = [r for r in run.records if r["doc_id"] == doc_id and r["method"] != "uniform_p"]
        qnum = {r["qid"]: f"Q{r['qid'].rsplit('-', 1)[-1]}" for r in recs}
        ev = {p for r in recs for p in r["evidence_pages"]}
        n = len(dm.memory.pages)
        evidence_for = {i: sorted({qnum[r["qid"]] for r in recs if i in r["evidence_pages"]}) for i in range(n)}
        opened = {i: [f"{q}: " + " ".join(SHORT[r["method"]] for r in recs if r["qid"] == qid and i in r["opened"])
                      for qid, q in qnum.items()] for i in range(n)}
        opened = {i: [line for line in lines if not line.endswith(": ")] for i, lines in opened.items()}
        pages, gists = dm.memory.pages, dm.memory.gists
        cols = [[f"<b>{p.index}</b>" for p in pages],
                [f"{p.words} / {len(g.split())} ({100 * (1 - len(g.split()) / p.words):.0f}%)" for p, g in zip(pages, gists)],
                [_short(_plain(p.text).replace("\n", " \u00b6 "), page_chars) for p in pages],
                [_plain(g) for g in gists],
                [", ".join(evidence_for[p.index]) for p in pages],
                ["<br>".join(opened[p.index]) for p in pages]]
        fill = [[HIGHLIGHT if p.index in ev else "white" for p in pages]] * 6
        fig.add_trace(go.Table(columnwidth=[30, 70, 400, 260, 60, 100], visible=(d == 0),
                               header=dict(values=["page", "words: page / gist (CR)", "page text (\u00b6 paragraph)",
                                                   "gist", "evidence for", "opened by"], fill_color="#e5e7eb"),
                               cells=dict(values=cols, fill_color=fill, align="left", height=24)))
    buttons = [dict(label=doc_id, method="update", args=[{"visible": [i == d for i in range(len(docs))]}])
               for d, doc_id in enumerate(docs)]
    fig.update_layout(updatemenus=[dict(buttons=buttons, x=1.0, xanchor="right", y=1.12)], height=800,
                      title="Gist memory (yellow rows: a question's evidence page)")
    return fig


# long text reads from the left; JupyterLab right-aligns table cells in HTML outputs with a selector that
# outranks a plain class (hence !important)
TABLE_CSS = "<style>table.wb-text th, table.wb-text td {text-align: left !important; vertical-align: top}</style>"


def question_table(run, doc_id: str) -> str:
    """HTML: each question, the right option, and per method the pages opened and the answer given."""
    recs = [r for r in run.records if r["doc_id"] == doc_id]
    doc = next(d for d in run.docs if d.doc_id == doc_id)
    out = [TABLE_CSS + "<table class='wb-text'><tr><th>question</th><th>evidence page</th><th>method</th>"
           "<th>opened</th><th>answer</th></tr>"]
    for q in doc.questions:
        for r in (r for r in recs if r["qid"] == q.qid):
            pred = r["prediction"]
            shown = f"({LETTERS[pred]})" if isinstance(pred, int) else html.escape(str(pred))
            mark = ("&#10003;" if r["correct"] else "&#10007;") if q.answer is not None else ""
            right = f"({LETTERS[q.answer]})" if q.answer is not None else html.escape((q.references or ["?"])[0])
            out.append(f"<tr><td>{html.escape(q.question)} right: {right}</td>"
                       f"<td>{r['evidence_pages']}</td><td>{LABELS[r['method']]}</td><td>{r['opened']}</td>"
                       f"<td>{shown} {mark}</td></tr>")
    out.append("</table>")
    return "".join(out)


def memory_html(run, doc_id: str) -> str:
    dm = run.memories[doc_id]
    ev = {p for r in run.records if r["doc_id"] == doc_id for p in r["evidence_pages"]}
    rows = [TABLE_CSS + "<table class='wb-text' style='table-layout:fixed;width:100%'><tr>"
            "<th style='width:6%'>page</th><th style='width:12%'>words (CR)</th><th style='width:52%'>page</th><th>gist</th></tr>"]
    for p, g in zip(dm.memory.pages, dm.memory.gists):
        bg = HIGHLIGHT if p.index in ev else "white"
        cr = 100 * (1 - len(g.split()) / p.words)
        rows.append(f"<tr style='background:{bg};vertical-align:top'><td>{p.index}</td><td>{p.words} &rarr; "
                    f"{len(g.split())} ({cr:.0f}%)</td><td>{html.escape(p.text).replace(chr(10), '<br>')}</td>"
                    f"<td>{html.escape(g)}</td></tr>")
    rows.append("</table>")
    return "".join(rows) + question_table(run, doc_id)


def GistBrowser(run, live: bool | None = None):
    """ipywidgets browser over the run's documents (pages | gists, compression, look-ups, evidence).
    Headless (papermill, reports: widgets do not render there) it returns the same content as static
    HTML, first document only; the plotly table above holds every document."""
    from IPython.display import HTML

    from workbench.progress import headless
    from workbench.widgets import Browser

    docs = list(run.memories)
    if not (live if live is not None else not headless()):
        return HTML(f"<h4>{docs[0]}</h4>" + memory_html(run, docs[0]))
    return Browser(len(docs), lambda i: HTML(memory_html(run, docs[i])), description="document", labels=docs)
