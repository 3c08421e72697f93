"""The `workbench` command: list, params, run, report, sweep, lab (see README.md and docs/contract.md)."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from workbench import WorkbenchError, registry


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


def cmd_params(args) -> int:
    from workbench import scales

    registry.get(args.slug)
    print(scales.describe(args.slug))
    return 0


_running: dict[str, object] = {}  # what cmd_run is doing, for the signal handler's one line


def _stop(signum, frame) -> None:
    """SIGTERM (timeout, a cancelled CI job) or Ctrl-C: end the kernel and everything it started (Chromium,
    chromedriver), remove its connection file, say so in one line and exit. os._exit: the kernel client's
    event loop would otherwise print tracebacks while it unwinds."""
    from workbench import runner

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    n = runner.stop_kernels()
    what = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    slug, where = _running.get("slug"), _running.get("dir")
    doing = f" while running {slug}; the executed copy so far is in {where}" if slug else ""
    print(f"workbench: interrupted ({what}){doing}; stopped {n} process(es)", file=sys.stderr, flush=True)
    os._exit(130 if signum == signal.SIGINT else 128 + signum)


def cmd_run(args) -> int:
    from workbench import runner

    slugs = [p.slug for p in registry.available()] if args.slugs == ["all"] else args.slugs
    # every slug and parameter is checked, and the cache and output folders written to, before any kernel starts
    overrides = {slug: runner.validate(slug, args.scale, args.param) for slug in slugs}
    runner.check_cache()
    out_dir = runner.check_writable_dir(Path(args.out) if args.out else runner.default_out_dir(), "--out")
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        failed = _run_each(slugs, args.scale, overrides, out_dir)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if len(slugs) > 1 or args.scorecard:
        from workbench import report
        print(f"workbench: scorecard {report.write_scorecard(out_dir)}", file=sys.stderr)
    if failed:
        print(f"workbench: error: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _run_each(slugs: list[str], scale: str, overrides: dict, out_dir: Path) -> list[str]:
    """Run each notebook; a failure is one line and the next notebook still runs. Returns the failed slugs."""
    from workbench import runner

    failed = []
    for slug in slugs:
        _running.update(slug=slug, dir=out_dir / slug)
        print(f"workbench: running {slug} at scale {scale} -> {out_dir / slug}", file=sys.stderr)
        try:
            outcome = runner.run(slug, scale, out_dir=out_dir, overrides=overrides[slug])
        except WorkbenchError as e:
            print(f"workbench: error: {e}", file=sys.stderr)
            failed.append(slug)
            continue
        finally:
            _running.clear()
        print(f"workbench: {slug} done in {outcome.runtime_s:.0f} s: {outcome.report}", file=sys.stderr)
    return failed


def cmd_report(args) -> int:
    from workbench import report, runner

    run_dir = Path(args.dir)
    if not run_dir.is_dir():
        raise WorkbenchError(f"no such run folder: {run_dir}")
    if not list(run_dir.glob("*/results.json")):
        raise WorkbenchError(f"no */results.json under {run_dir}")
    runner.check_writable_dir(run_dir, "run folder", create=False)
    print(report.write_scorecard(run_dir))
    return 0


def cmd_sweep(args) -> int:
    from workbench import runner, sweep

    stamp = runner.default_out_dir()
    out_dir = Path(args.out) if args.out else stamp.with_name(stamp.name + "-sweep")
    return sweep.sweep(args.slugs, args.scale, args.seeds, args.param, out_dir, address=args.address, jobs=args.jobs)


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
    params = sub.add_parser("params", help="every parameter of a notebook: type, value at each scale, and why")
    params.add_argument("slug", metavar="SLUG")
    params.set_defaults(func=cmd_params)
    run = sub.add_parser("run", help="execute notebooks headless: executed copy, report.html, results.json",
                         epilog="Every parameter -p can set, with its type, its value at each scale and why: "
                                "workbench params SLUG")
    run.add_argument("slugs", nargs="+", metavar="SLUG", help="notebook slug(s), or 'all'")
    run.add_argument("--scale", default="cpu", choices=["smoke", "cpu", "paper"])
    run.add_argument("-p", dest="param", action="append", default=[], metavar="KEY=VALUE",
                     help="override one Config field (repeatable); see `workbench params SLUG`")
    run.add_argument("--out", help="output folder (default runs/<timestamp>/)")
    run.add_argument("--scorecard", action="store_true", help="also write DIR/index.html for a single slug")
    run.set_defaults(func=cmd_run)
    rep = sub.add_parser("report", help="write DIR/index.html, the scorecard over DIR/*/results.json")
    rep.add_argument("dir", metavar="DIR")
    rep.set_defaults(func=cmd_report)
    sw = sub.add_parser("sweep", help="the grid of (notebook, seed, parameter values) as Ray tasks, with a scorecard over seeds")
    sw.add_argument("slugs", nargs="+", metavar="SLUG", help="notebook slug(s), or 'all'")
    sw.add_argument("--scale", default="cpu", choices=["smoke", "cpu", "paper"])
    sw.add_argument("--seeds", type=int, required=True, metavar="N", help="run seeds 0..N-1 at every grid point")
    sw.add_argument("-p", dest="param", action="append", default=[], metavar="KEY=V1,V2",
                    help="a Config field and the values to sweep (repeatable; the grid is their product)")
    sw.add_argument("--out", help="sweep folder (default runs/<timestamp>-sweep/); rerun to finish it")
    sw.add_argument("--address", help="a running Ray cluster: HEAD_IP:6379 (as printed by `ray start --head`) or auto; default: a local Ray")
    sw.add_argument("--jobs", type=int, help="runs at once on the local Ray (default: one per core)")
    sw.set_defaults(func=cmd_sweep)
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
