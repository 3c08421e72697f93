"""Offline HTML: one report per executed notebook, and the scorecard over a run folder.

Reports open from file:// with networking off: plotly.js is embedded once in the page head, plotly
outputs (the `application/vnd.plotly.v1+json` mimetype) become static figures, and widget views are
dropped (the live dashboard displays a static figure at the end for this reason). Any remote
<script src=...> in an HTML output is removed, so nothing is fetched.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from workbench.cache import atomic_write_text

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']?(https?:)?//[^>]*>\s*</script>", re.I)
_REMOTE_LINK = re.compile(r"<link[^>]*\bhref=[\"']?(https?:)?//[^>]*>", re.I)

CSS = """
body{font-family:Inter,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:12px;border-radius:4px}
pre.error{background:#fdecea;color:#8a1c1c}
details>summary{cursor:pointer;color:#666;font-size:12px}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.holds{background:#e6f4ea}.fails{background:#fdecea}
.cell{margin:1em 0}
.banner{color:#666;font-size:12px;border-bottom:1px solid #ddd;padding-bottom:.4em}
img{max-width:100%}
"""


def plotly_js() -> str:
    from plotly.offline import get_plotlyjs
    return get_plotlyjs()


def page(title: str, body: str, with_plotly: bool) -> str:
    script = f"<script type=\"text/javascript\">{plotly_js()}</script>" if with_plotly else ""
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style>{script}</head><body>{body}</body></html>")


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _clean_stream(text: str) -> str:
    """Strip ANSI colours and keep only the last state of each \\r-rewritten line (tqdm bars)."""
    text = _ANSI.sub("", text)
    return "\n".join(line.split("\r")[-1] for line in text.split("\n"))


class _Renderer:
    def __init__(self):
        self.n_plots = 0

    def plotly(self, spec: dict) -> str:
        self.n_plots += 1
        div = f"wb-plot-{self.n_plots}"
        payload = json.dumps({"data": spec.get("data", []), "layout": spec.get("layout", {}),
                              "frames": spec.get("frames", [])}).replace("</", "<\\/")
        return (f"<div id=\"{div}\" class=\"wb-plot\"></div><script>(function(){{var s={payload};"
                f"Plotly.newPlot('{div}',s.data,s.layout,{{responsive:true}}).then(function(gd){{"
                f"if(s.frames.length){{Plotly.addFrames(gd,s.frames);}}}});}})();</script>")

    def output(self, out: dict) -> str:
        kind = out.get("output_type")
        if kind == "stream":
            text = _clean_stream(_text(out.get("text", ""))).strip("\n")
            return f"<pre class=\"stream\">{html.escape(text)}</pre>" if text.strip() else ""
        if kind == "error":
            tb = _ANSI.sub("", "\n".join(out.get("traceback", [])))
            return f"<pre class=\"error\">{html.escape(tb or out.get('ename', '') + ': ' + out.get('evalue', ''))}</pre>"
        data = out.get("data", {})
        if "application/vnd.plotly.v1+json" in data:
            return self.plotly(data["application/vnd.plotly.v1+json"])
        if "application/vnd.jupyter.widget-view+json" in data:
            return ""  # live widgets have no static form; notebooks display a static figure too
        if "image/png" in data:
            return f"<img src=\"data:image/png;base64,{_text(data['image/png']).strip()}\">"
        if "image/svg+xml" in data:
            return _text(data["image/svg+xml"])
        if "text/html" in data:
            return _REMOTE_LINK.sub("", _REMOTE_SCRIPT.sub("", _text(data["text/html"])))
        if "text/markdown" in data:
            return _markdown(_text(data["text/markdown"]))
        if "text/plain" in data:
            return f"<pre>{html.escape(_text(data['text/plain']))}</pre>"
        return ""


def _markdown(text: str) -> str:
    import mistune
    return mistune.html(text)


def _code(source: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))


def render_notebook(nb: dict, title: str) -> str:
    """A whole executed notebook (nbformat JSON dict) as one offline HTML page."""
    r = _Renderer()
    parts = [f"<p class=\"banner\">workbench report &middot; {html.escape(title)}</p>"]
    for cell in nb.get("cells", []):
        source = _text(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            parts.append(f"<div class=\"cell md\">{_markdown(source)}</div>")
        elif cell.get("cell_type") == "code":
            tags = cell.get("metadata", {}).get("tags", [])
            label = "parameters" if "parameters" in tags else "injected parameters" if "injected-parameters" in tags else "code"
            outs = "".join(r.output(o) for o in cell.get("outputs", []))
            code = f"<details><summary>{label}</summary>{_code(source)}</details>" if source.strip() else ""
            parts.append(f"<div class=\"cell code\">{code}{outs}</div>")
    return page(title, "\n".join(parts), with_plotly=r.n_plots > 0)


def write_report(executed: str | Path, out: str | Path, title: str | None = None) -> Path:
    executed, out = Path(executed), Path(out)
    nb = json.loads(executed.read_text())
    atomic_write_text(out, render_notebook(nb, title or executed.stem))
    return out


def write_scorecard(run_dir: str | Path) -> Path:
    """run_dir/index.html: the scorecard over every results.json in run_dir (see workbench.scorecard)."""
    from workbench.scorecard import write

    return write(Path(run_dir))
