"""The `workbench` command: list, run, report, lab (see README.md and ../shared/WORKBENCH.md)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench import WorkbenchError, registry
from workbench.paths import NOTEBOOK_DIR


def cmd_list(args) -> int:
    for paper in registry.PAPERS.values():
        if not paper.has_notebook():
            print(f"{paper.slug:10s} {paper.title}  [not written yet]")
            continue
        cost = getattr(paper.load_config(), "COST", {})
        print(f"{paper.slug:10s} {paper.title}")
        for scale in ("smoke", "cpu", "paper"):
            print(f"{'':12s}{scale:6s} {cost.get(scale, '?')}")
    return 0


def cmd_run(args) -> int:
    from workbench import runner

    slugs = [p.slug for p in registry.available()] if args.slugs == ["all"] else args.slugs
    for slug in slugs:  # every slug and parameter is checked before any notebook starts
        runner.validate(slug, args.scale, args.param)
    out_dir = Path(args.out) if args.out else runner.default_out_dir()
    failed = []
    for slug in slugs:
        print(f"workbench: running {slug} at scale {args.scale} -> {out_dir / slug}", file=sys.stderr)
        try:
            outcome = runner.run(slug, args.scale, args.param, out_dir)
        except WorkbenchError as e:
            print(f"workbench: error: {e}", file=sys.stderr)
            failed.append(slug)
            continue
        print(f"workbench: {slug} done in {outcome.runtime_s:.0f} s: {outcome.report}", file=sys.stderr)
    if len(slugs) > 1 or args.scorecard:
        from workbench import report
        print(f"workbench: scorecard {report.write_scorecard(out_dir)}", file=sys.stderr)
    if failed:
        print(f"workbench: error: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_report(args) -> int:
    from workbench import report

    run_dir = Path(args.dir)
    if not run_dir.is_dir():
        raise WorkbenchError(f"no such run folder: {run_dir}")
    if not list(run_dir.glob("*/results.json")):
        raise WorkbenchError(f"no */results.json under {run_dir}")
    print(report.write_scorecard(run_dir))
    return 0


def cmd_lab(args) -> int:
    """JupyterLab on the checkout, its file browser at notebooks/; every argument goes on to Jupyter.

    Saving a notebook under notebooks/ stores it thin and keeps the outputs under runs/lab/ (workbench.lab)."""
    from workbench.paths import REPO_ROOT

    given = args.lab_args
    ours = ["--ContentsManager.pre_save_hook=workbench.lab.pre_save"]
    if not any(a.split("=")[0] in ("--notebook-dir", "--ServerApp.root_dir", "--root-dir") for a in given):
        ours += [f"--ServerApp.root_dir={REPO_ROOT}", "--LabApp.default_url=/lab/tree/notebooks"]
    if os.getuid() == 0 and "--allow-root" not in given:
        ours.append("--allow-root")  # Jupyter refuses to start as root without it (containers, CI)
    # ours first: Jupyter takes the last value of an option, so the user's own win
    os.execvp(sys.executable, [sys.executable, "-m", "jupyterlab", *ours, *given])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description="Notebook-first reproductions of ten ML papers.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="slugs, titles and what each scale costs").set_defaults(func=cmd_list)
    run = sub.add_parser("run", help="execute notebooks headless: executed copy, report.html, results.json")
    run.add_argument("slugs", nargs="+", metavar="SLUG", help="notebook slug(s), or 'all'")
    run.add_argument("--scale", default="cpu", choices=["smoke", "cpu", "paper"])
    run.add_argument("-p", dest="param", action="append", default=[], metavar="KEY=VALUE",
                     help="override one Config field (repeatable)")
    run.add_argument("--out", help="output folder (default runs/<timestamp>/)")
    run.add_argument("--scorecard", action="store_true", help="also write DIR/index.html for a single slug")
    run.set_defaults(func=cmd_run)
    rep = sub.add_parser("report", help="write DIR/index.html, the scorecard over DIR/*/results.json")
    rep.add_argument("dir", metavar="DIR")
    rep.set_defaults(func=cmd_report)
    # no options of its own (prefix '+' matches none of Jupyter's): `lab --port 8899`, `lab -- --port 8899`
    # and `lab --help` all reach Jupyter
    lab = sub.add_parser("lab", help="JupyterLab on the notebooks (Jupyter's own options pass through)",
                         prefix_chars="+", add_help=False)
    lab.add_argument("lab_args", nargs="*", metavar="JUPYTER_ARG")
    lab.set_defaults(func=cmd_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WorkbenchError as e:
        print(f"workbench: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
