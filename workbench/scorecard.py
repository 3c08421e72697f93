"""The reproduction scorecard, DIR/index.html, over a `workbench run` folder or a `workbench sweep` folder.

It reads DIR/*/results.json (a run folder: DIR/<slug>/) and DIR/*/*/results.json (a sweep folder:
DIR/<point>/<slug>/). Runs of one notebook at one scale whose parameters differ only in `seed` form a
*setting*. A setting with one run keeps that run's own verdicts (with its bootstrap intervals, if the
notebook measured them); a setting with several seeds is re-judged over seeds: each claim's measured
values, one per seed, become `Samples(kind="seeds")` (`workbench.results.aggregate_seeds`), so the
verdict, support and intervals are over seeds. Values are shown as `point [2.5%, 97.5%]`.

A parameter whose value differs between the settings of a notebook is a *swept* parameter; for each,
the page has a figure per claim: each measured quantity (mean over seeds, 95% interval) against it.
Failed grid points listed in DIR/sweep.json are shown with their error and a link to their report.
"""
from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from workbench.cache import atomic_write_text

STYLE = ("<style>tr.holds{background:#e6f4ea}tr.fails{background:#fdecea}tr.inconclusive{background:#fff6dd}tr.run-failed{background:#fdecea}"
         ".why{color:#555;font-size:12px}.caption{color:#555;font-size:13px;margin:0 0 1.5em}</style>")


def collect(run_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    from workbench import results

    paths = sorted(run_dir.glob("*/results.json")) + sorted(run_dir.glob("*/*/results.json"))
    return [(p, results.load(p)) for p in paths]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def settings(runs: list[tuple[Path, dict]]) -> dict[tuple[str, str, str], list[tuple[Path, dict]]]:
    """(slug, scale, params without seed) -> runs sorted by seed."""
    groups: dict[tuple[str, str, str], list] = defaultdict(list)
    for path, data in runs:
        params = {k: v for k, v in data["params"].items() if k != "seed"}
        groups[(data["slug"], data["scale"], _key(params))].append((path, data))
    return {k: sorted(v, key=lambda r: (r[1].get("seed") or 0)) for k, v in groups.items()}


def swept_params(groups: dict) -> dict[str, list[str]]:
    """slug -> parameters whose value differs between that notebook's settings."""
    by_slug: dict[str, list[dict]] = defaultdict(list)
    for (slug, _, params), _runs in groups.items():
        by_slug[slug].append(json.loads(params))
    out = {}
    for slug, plist in by_slug.items():
        keys = sorted({k for p in plist for k in p})
        out[slug] = [k for k in keys if len({_key(p.get(k)) for p in plist}) > 1]
    return out


def judged_claims(runs: list[tuple[Path, dict]]) -> list[dict[str, Any]]:
    """The setting's claims: the run's own for one run, re-judged over seeds for several."""
    from workbench.results import aggregate_seeds

    if len(runs) == 1:
        return runs[0][1]["claims"]
    by_id: dict[str, list[dict]] = defaultdict(list)
    for _, data in runs:
        for c in data["claims"]:
            by_id[c["id"]].append(c)
    return [aggregate_seeds(cs) for cs in by_id.values()]


def _label(params: dict, swept: list[str]) -> str:
    return ", ".join(f"{k}={params.get(k)}" for k in swept)


def _fmt_measured(c: dict[str, Any]) -> str:
    from workbench.results import format_value

    iv = c.get("intervals", {})
    return "<br>".join(f"{html.escape(n)} = {html.escape(format_value(v, iv.get(n)))}"
                       for n, v in c.get("measured", {}).items())


def write(run_dir: Path) -> Path:
    from workbench import registry
    from workbench.results import claim_verdict, summary

    runs = collect(run_dir)
    groups = settings(runs)
    swept = swept_params(groups)
    rows, claim_rows, all_claims = [], [], []
    table: dict[str, list[tuple[dict, list[dict], int]]] = defaultdict(list)  # slug -> (params, claims, n)
    def order(item):   # notebooks in name order, settings in the order of their swept values
        (slug, scale, pkey), _ = item
        params = json.loads(pkey)
        return (slug, scale, [_sort_key(params.get(k)) for k in swept.get(slug, [])])

    for (slug, scale, pkey), group in sorted(groups.items(), key=order):
        params = json.loads(pkey)
        title = registry.PAPERS[slug].title if slug in registry.PAPERS else slug
        claims = judged_claims(group)
        all_claims += claims
        table[slug].append((params, claims, len(group)))
        setting = _label(params, swept.get(slug, []))
        links = " ".join(f"<a href=\"{html.escape(str(p.parent.relative_to(run_dir)))}/report.html\">"
                         f"{'report' if len(group) == 1 else 'seed ' + str(d.get('seed'))}</a>" for p, d in group)
        runtime = sum(d["runtime_s"] for _, d in group) / len(group)
        rows.append(f"<tr><td>{html.escape(slug)}</td><td>{html.escape(title)}</td><td>{html.escape(setting)}</td>"
                    f"<td>{html.escape(scale)}</td><td>{len(group)}</td><td>{runtime:.0f}</td>"
                    f"<td>{html.escape(summary(claims))}</td><td>{links}</td></tr>")
        name = html.escape(slug + (f" ({setting})" if setting else ""))
        for c in claims:
            v = claim_verdict(c)
            support = "" if c.get("support") is None else f"{c['support']:.2f}"
            claim_rows.append(
                f"<tr class=\"{v}\"><td>{name}</td><td>{html.escape(c['id'])}</td><td>{html.escape(c['paper'])}</td>"
                f"<td><code>{html.escape(c['rule'])}</code></td><td>{_fmt_measured(c)}</td><td>{support}</td>"
                f"<td><b>{v}</b><div class=\"why\">{html.escape(c.get('reason', ''))}</div></td></tr>")
    failed = _failed_points(run_dir)
    plots, n_plots = _plots(table, swept)
    n_runs = len(runs)
    body = (STYLE + f"<h1>workbench reproduction scorecard</h1><p>{n_runs} run(s) of {len(table)} notebook(s) in "
            f"<code>{html.escape(str(run_dir))}</code>: <b>{html.escape(summary(all_claims))}</b> "
            f"({len(all_claims)} claim(s)). A claim holds when its rule is true in at least 95% of resamples "
            "of its measured quantities (over seeds and, by bootstrap, over evaluation units), fails when in "
            "at most 5%, and is inconclusive otherwise; intervals are 95% percentile intervals.</p>"
            "<table><tr><th>notebook</th><th>paper</th><th>setting</th><th>scale</th><th>seeds</th>"
            "<th>runtime (s, mean)</th><th>claims</th><th>reports</th></tr>" + "".join(rows) + "</table>"
            + failed + "<h2>Claims</h2><table><tr><th>notebook</th><th>claim</th><th>paper says</th>"
            "<th>rule (fixed before the run)</th><th>measured [95% interval]</th><th>support</th><th>verdict</th></tr>"
            + "".join(claim_rows) + "</table>" + plots)
    out = run_dir / "index.html"
    from workbench.report import page
    atomic_write_text(out, page("workbench scorecard", body, with_plotly=n_plots > 0))
    return out


def _failed_points(run_dir: Path) -> str:
    manifest = run_dir / "sweep.json"
    if not manifest.exists():
        return ""
    try:
        points = json.loads(manifest.read_text()).get("points", [])
    except ValueError:
        return ""
    bad = [p for p in points if p.get("status") in ("failed", "cancelled")]
    if not bad:
        return ""
    rows = []
    for p in bad:
        folder = run_dir / p["dir"]
        link = (f"<a href=\"{html.escape(p['dir'])}/report.html\">report</a> " if (folder / "report.html").exists() else "")
        link += f"<a href=\"{html.escape(p['dir'])}/run.log\">log</a>" if (folder / "run.log").exists() else ""
        rows.append(f"<tr class=\"run-failed\"><td>{html.escape(p['slug'])}</td><td>{html.escape(p['point'])}</td>"
                    f"<td>{html.escape(p['status'])}</td><td>{html.escape(p.get('error', ''))}</td><td>{link}</td></tr>")
    return ("<h2>Runs that did not finish</h2><table><tr><th>notebook</th><th>grid point</th><th>status</th>"
            "<th>error</th><th>files</th></tr>" + "".join(rows) + "</table>")


def _sort_key(v: Any):
    return (0, v, "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0, json.dumps(v, default=str))


def _plots(table: dict, swept: dict[str, list[str]]) -> tuple[str, int]:
    """For each swept parameter of each notebook, one figure per claim: its measured quantities against it."""
    import plotly.graph_objects as go

    from workbench.report import _Renderer

    r = _Renderer()
    parts = []
    for slug, entries in sorted(table.items()):
        for param in swept.get(slug, []):
            others = [k for k in swept[slug] if k != param]
            claim_ids = list(dict.fromkeys(c["id"] for _, claims, _ in entries for c in claims))
            for cid in claim_ids:
                fig = go.Figure()
                series: dict[tuple[str, str], list] = defaultdict(list)
                for params, claims, n in entries:
                    c = next((c for c in claims if c["id"] == cid), None)
                    if c is None:
                        continue
                    for name, value in c.get("measured", {}).items():
                        if isinstance(value, (int, float)) and not isinstance(value, bool):
                            series[(name, _label(params, others))].append(
                                (params.get(param), value, c.get("intervals", {}).get(name), n))
                for (name, rest), pts in series.items():
                    pts.sort(key=lambda t: _sort_key(t[0]))
                    x = [p[0] if isinstance(p[0], (int, float)) else str(p[0]) for p in pts]
                    y = [p[1] for p in pts]
                    up = [(p[2][1] - p[1]) if p[2] else 0 for p in pts]
                    down = [(p[1] - p[2][0]) if p[2] else 0 for p in pts]
                    fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=name + (f" ({rest})" if rest else ""),
                                             error_y=dict(type="data", array=up, arrayminus=down, visible=True)))
                if not fig.data:
                    continue
                fig.update_layout(title=f"{slug}: {cid} against {param}", xaxis_title=f"{param} (Config value)",
                                  yaxis_title="measured value (claim's own units)", height=360,
                                  margin=dict(l=60, r=20, t=50, b=50))
                parts.append(r.plotly(json.loads(fig.to_json())))
                parts.append(f"<p class=\"caption\">Each measured quantity of claim <code>{html.escape(cid)}</code> "
                             f"at each value of <code>{html.escape(param)}</code>: the mean over seeds, with its "
                             "95% interval over seed resamples as error bars (none with one seed).</p>")
    if not parts:
        return "", 0
    return "<h2>Measured quantities against each swept parameter</h2>" + "".join(parts), r.n_plots
