import dataclasses

from test_readagent_evaluate import oracle

from workbench.papers.readagent import viz
from workbench.papers.readagent.config import Config
from workbench.papers.readagent.evaluate import train


def test_figures_and_browser_render_a_run():
    cfg = dataclasses.replace(Config(), n_docs=2, doc_words=1200, questions_per_doc=2,
                              methods=("readagent_p", "readagent_s", "gists", "bm25", "full", "uniform_p"))
    run = train(cfg, llm=oracle(), cache=False)
    for fig in (viz.accuracy_figure(run), viz.tradeoff_figure(run), viz.page_compression_figure(run),
                viz.lookup_figure(run)):
        assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    table = viz.memory_table_figure(run)
    assert len(table.data) == 2 and [t.visible for t in table.data] == [True, False]
    ev = run.records[0]["evidence_pages"][0]
    assert table.data[0].cells.fill.color[0][ev] == viz.HIGHLIGHT       # evidence page highlighted
    heat = viz.lookup_figure(run).data[0]
    assert 2 in heat.z[0]                                               # the oracle's hit shows green
    html = viz.memory_html(run, run.docs[0].doc_id)
    assert viz.HIGHLIGHT in html and run.docs[0].questions[0].question in html
    gate = viz.gate_figure({"with_page": 0.9, "no_page": 0.25, "chance": 0.25, "questions": 40})
    assert gate.layout.title.text and list(gate.data[0].y) == [90.0, 25.0]
    browser = viz.GistBrowser(run, live=True)
    assert browser.slider.max == 1
    assert viz.HIGHLIGHT in viz.GistBrowser(run, live=False).data


def test_browser_renders_free_form_questions(tmp_path):
    """QMSum questions have no options and no answer index: the question table shows the reference."""
    from readagent_fakes import FakeLLM
    from test_readagent_evaluate import write_qmsum

    path = tmp_path / "qmsum.jsonl"
    write_qmsum(path)
    cfg = dataclasses.replace(Config(), dataset=f"qmsum:{path}", n_docs=1, questions_per_doc=2,
                              methods=("readagent_p", "gists"))
    run = train(cfg, llm=FakeLLM(capable=False, reply=lambda p: "twelve euros"), cache=False)
    html = viz.memory_html(run, run.docs[0].doc_id)
    assert "right: twelve euros" in html
    assert viz.GistBrowser(run, live=False).data
