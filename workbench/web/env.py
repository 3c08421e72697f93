"""`WebEnv`: one MiniWoB++ task in one headless Chromium, with clean shutdown and crash recovery.

Built on PyPI `miniwob` 1.1.0: `WebEnv` drives a `miniwob.environment.MiniWoBEnvironment`
whose `SeleniumInstance` is subclassed here to (1) launch Debian Chromium/chromedriver offline
(`SE_OFFLINE=true`; `--headless --no-sandbox --disable-gpu --disable-background-networking`),
(2) set the page's episode time limit (`core.EPISODE_MAX_TIME`) before every episode, (3) batch
miniwob's page calls: a reset is one script call (stop, seed, data mode, time limit, start) plus
one read; after each action one script call returns the episode status and, while running, the
utterance, DOM and `#wrap` HTML (miniwob makes 7 calls per reset and 4 per step), and (4) know
its process ids so `close()` can kill every process it started.

Episode semantics (as CompWoB uses the MiniWoB++ package):
- `reward` is MiniWoB's raw reward (no time discount: timings on a loaded machine must not change
  scores); the time-discounted `env_reward` is in `info`. `success = reward > 0`.
- The page's own timer ends the episode after `time_limit_s` (reward -1, `truncated=True`,
  `info["reason"] == "timed out"`). miniwob's tasks default to 10 s; here 30 s unless set.
- A crashed browser (any WebDriver/connection error) during `step` is killed and restarted; the step
  returns `terminated=True`, `success=False`, reward -1 and `info["crashed"] = True`. A crash during
  `reset` restarts the browser and retries once.
- `close()` quits the driver and then kills any process it started that is still alive
  (chromedriver, chromium and its helpers). It runs on `with` exit (also on exceptions and Ctrl-C)
  and for every open env at interpreter exit (`atexit`); SIGTERM is turned into `SystemExit` when
  the process has no SIGTERM handler of its own, so `kill`/`timeout` clean up too. chromedriver
  gets SIGTERM if the Python process dies (`PR_SET_PDEATHSIG`); a SIGKILLed Python can still leave
  chromium behind. (Chromium's crashpad helpers are re-parented to init at start; they exit with
  the browser.)

Project pages: `register_page_dir(path)` makes a folder of HTML pages written on MiniWoB's core
JS API loadable, with `../core/` and `../common/` resolving to miniwob's own assets; then
`WebEnv("my-task", html_dir=path)` runs `path/my-task.html`. A page must define `genProblem()`,
call `core.startEpisode()` on load (e.g. `window.onload = function () { core.startEpisode(); }`),
put the instruction in `#query`, the task in `#area` inside `#wrap`, and end with
`core.endEpisode(reward, ...)`; its `core.getUtterance()` may return `{utterance, fields}`.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import os
import random
import shutil
import signal
import tempfile
import time
import urllib.parse
import weakref
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("SE_OFFLINE", "true")

import psutil  # noqa: E402

from workbench import WorkbenchError  # noqa: E402
from workbench.web.actions import Action  # noqa: E402
from workbench.web.observation import Observation, elements_from_dominfo  # noqa: E402

CHROME_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-dev-shm-usage", "--no-first-run", "--mute-audio",
               "--disable-breakpad")


def _miniwob_html() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("miniwob")
    if spec is None or not spec.origin:
        raise WorkbenchError("the miniwob package is not installed (pip install miniwob==1.1.0)")
    return Path(spec.origin).parent / "html"


def chromium_paths() -> tuple[str | None, str | None]:
    """(chromium binary, chromedriver) found on this machine, or None for a missing one.
    `MINIWOB_CHROME_BINARY` / `MINIWOB_CHROMEDRIVER` override the search."""
    chrome = os.environ.get("MINIWOB_CHROME_BINARY") or next(
        (p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                     shutil.which("google-chrome")) if p), None)
    driver = os.environ.get("MINIWOB_CHROMEDRIVER") or shutil.which("chromedriver")
    return chrome, driver


def chromium_missing() -> str | None:
    """Why a browser cannot start here (one line), or None when chromium and chromedriver exist."""
    chrome, driver = chromium_paths()
    if not chrome:
        return "chromium is not installed (apt-get install chromium chromium-driver)"
    if not driver:
        return "chromedriver is not installed (apt-get install chromium-driver)"
    return None


def miniwob_tasks() -> list[str]:
    """Names of the MiniWoB++ tasks shipped with the miniwob package."""
    return sorted(p.stem for p in (_miniwob_html() / "miniwob").glob("*.html"))


# ---------------------------------------------------------------------------------------------
# Project pages

PAGES_ROOT = Path(tempfile.gettempdir()) / f"workbench-web-pages-{os.getuid()}"


def _symlink(target: Path, link: Path) -> None:
    """Point `link` at `target`, atomically replacing a link that points elsewhere."""
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def register_page_dir(path: str | Path) -> str:
    """Make a folder of project HTML pages runnable; returns its `file://` base URL.

    The folder is linked into `PAGES_ROOT` next to links to miniwob's `core/` and `common/`, so a
    page's `<script src="../core/core.js">` and `../common/ui_utils.js` load miniwob's assets, just
    like the base tasks in `miniwob/html/miniwob/`. Idempotent; `WebEnv(..., html_dir=path)` calls
    it. Pages are read live from `path` (edits show on the next `reset` with `refresh`).
    """
    path = Path(path).resolve()
    if not path.is_dir():
        raise WorkbenchError(f"page folder {path} does not exist")
    html = _miniwob_html()
    PAGES_ROOT.mkdir(parents=True, exist_ok=True)
    _symlink(html / "core", PAGES_ROOT / "core")
    _symlink(html / "common", PAGES_ROOT / "common")
    name = f"{path.name}-{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    _symlink(path, PAGES_ROOT / name)
    return f"file://{PAGES_ROOT / name}/"


def _resolve_task(task: str, html_dir, field_extractor):
    """(base_url, field extractor) for a miniwob task or a project page; WorkbenchError if absent."""
    if html_dir is None:
        if task.startswith("flight."):
            raise WorkbenchError("flight.* tasks (served over HTTP, larger window) are not supported")
        if not (_miniwob_html() / "miniwob" / f"{task}.html").exists():
            raise WorkbenchError(f"unknown MiniWoB task {task!r} (see web.env.miniwob_tasks())")
        return None, field_extractor
    html_dir = Path(html_dir)
    if not (html_dir / f"{task}.html").exists():
        raise WorkbenchError(f"no page {task}.html in {html_dir}")
    return register_page_dir(html_dir), field_extractor or (lambda utterance: [])


# ---------------------------------------------------------------------------------------------
# The Selenium instance

def _die_with_parent() -> None:  # runs in the chromedriver child before exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# One round trip after each action: episode status, and (while running) utterance, DOM, HTML.
_STEP_SCRIPT = """
var m = {done: WOB_DONE_GLOBAL, env_reward: WOB_REWARD_GLOBAL,
         raw_reward: WOB_RAW_REWARD_GLOBAL, reason: WOB_REWARD_REASON};
if (WOB_DONE_GLOBAL) return [m];
var u = core.getUtterance();
var d = core.getDOMInfo();
var w = document.getElementById('wrap');
var box = function (id) {
  var e = document.getElementById(id);
  if (!e) return null;
  var r = e.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
};
return [m, u, d, w ? w.outerHTML : document.body.outerHTML,
        {wrap: box('wrap'), query: box('query'), area: box('area')}];
"""

# One round trip to start an episode (miniwob's force_stop, set_seed, set_mode, begin_task).
_RESET_SCRIPT = """
core.endEpisode(0);
if (arguments[0] !== null) Math.seedrandom(arguments[0]);
core.setDataMode(arguments[1]);
core.EPISODE_MAX_TIME = arguments[2];
core.startEpisodeReal();
// MiniWoB's score panel sits at x = 165 px: move it right of a wider task area (composed pages
// are 320 px wide) so that screenshots of the task area show the task only
var rd = document.getElementById('reward-display'), wr = document.getElementById('wrap');
if (rd && wr && wr.getBoundingClientRect().right > 160) {
  rd.style.left = (Math.ceil(wr.getBoundingClientRect().right) + 5) + 'px';
}
return WOB_TASK_READY;
"""


def _make_instance_class():
    from miniwob.selenium_instance import SeleniumInstance

    class _Instance(SeleniumInstance):
        """miniwob's instance with our Chromium launch, time limit, one-call observations and
        process bookkeeping."""

        time_limit_ms: int = 30000
        processes: list

        def create_driver(self):
            from selenium import webdriver
            from selenium.common.exceptions import TimeoutException
            from selenium.webdriver.chrome.service import Service
            from selenium.webdriver.common.by import By
            from selenium.webdriver.support import expected_conditions as EC
            from selenium.webdriver.support.wait import WebDriverWait

            chrome, chromedriver = chromium_paths()
            options = webdriver.ChromeOptions()
            options.binary_location = chrome
            for arg in CHROME_ARGS if self.headless else CHROME_ARGS[1:]:
                options.add_argument(arg)
            service = Service(executable_path=chromedriver,
                              popen_kw={"preexec_fn": _die_with_parent})
            self.processes = []
            try:
                self.driver = webdriver.Chrome(service=service, options=options)
            except Exception:
                if service.process is not None:
                    self.processes = _tree(service.process.pid)
                    _kill(self.processes)
                raise
            self.processes = _tree(service.process.pid)
            self.driver.implicitly_wait(5)
            self.driver.get(self.url)
            try:
                WebDriverWait(self.driver, 10).until(
                    EC.element_to_be_clickable((By.ID, self.SYNC_SCREEN_ID)))
            except TimeoutException:
                raise WorkbenchError(f"page {self.url} did not load (no MiniWoB sync screen)")
            self.inner_width, self.inner_height = self.driver.execute_script(
                "return [window.innerWidth, window.innerHeight];")
            self.processes = _tree(service.process.pid)

        def load(self, subdomain: str, base_url: str | None, field_extractor) -> None:
            """Open another task page in the same browser."""
            from miniwob.fields import get_field_extractor
            from miniwob.selenium_instance import DEFAULT_BASE_URL
            from selenium.webdriver.common.by import By
            from selenium.webdriver.support import expected_conditions as EC
            from selenium.webdriver.support.wait import WebDriverWait

            self.url = urllib.parse.urljoin(base_url or DEFAULT_BASE_URL, f"{subdomain}.html")
            self.field_extractor = field_extractor or get_field_extractor(subdomain)
            self.cached_fields = []
            self.driver.get(self.url)
            WebDriverWait(self.driver, 10).until(
                EC.element_to_be_clickable((By.ID, self.SYNC_SCREEN_ID)))

        # miniwob's reset and step, with the same page calls batched into fewer round trips
        # (miniwob: 7 script calls per reset, 4 + action per step; here 2 and 1 + action).
        def reset(self, obs, infos, seed):
            self.num_episodes += 1
            ready = self.driver.execute_script(_RESET_SCRIPT, seed, self.mode,
                                               int(self.time_limit_ms))
            for _ in range(self.RESET_BLOCK_MAX_ATTEMPT):
                if ready:
                    break
                time.sleep(self.RESET_BLOCK_SLEEP_TIME)
                ready = self.driver.execute_script("return WOB_TASK_READY;")
            else:
                raise RuntimeError("the task page did not get ready")
            self.start_time = time.time()
            meta, o = self._read(use_cached_fields=False)
            obs[self.index], infos[self.index] = o, meta

        def step(self, action, action_space_config, obs, rewards, dones, infos):
            from miniwob.selenium_actions import execute_action_on_chromedriver

            if action is not None:  # WebEnv never steps a finished episode
                execute_action_on_chromedriver(action, self.cached_fields, action_space_config,
                                               self.driver)
            meta, o = self._read(use_cached_fields=True)
            meta["elapsed"] = max(0.0, time.time() - self.start_time)
            i = self.index
            obs[i], rewards[i], dones[i], infos[i] = o, self.reward_processor(meta), \
                meta["done"], meta

        def _read(self, use_cached_fields: bool):
            out = self.driver.execute_script(_STEP_SCRIPT)
            meta = out[0]
            if meta["done"]:
                return meta, self.get_empty_observation()
            utterance, dominfo, html, regions = out[1:]
            if isinstance(utterance, dict):
                fields = list(utterance.get("fields", {}).items())
                utterance = utterance["utterance"]
            elif use_cached_fields:
                fields = self.cached_fields
            else:
                fields = self.field_extractor(utterance)
            self.cached_fields = fields
            shot = self._screenshot(regions) if self.record_screenshots else None
            obs = {"utterance": utterance, "fields": list(fields), "dominfo": dominfo,
                   "html": html, "screenshot": shot, "regions": regions}
            return meta, obs

        def _screenshot(self, regions):
            """The task area: from the page's top-left corner to the bottom-right of `#wrap`, at
            least miniwob's 160 x 210 (so base tasks keep their usual size and composed pages,
            320 px wide and taller, are not cut). One DevTools call captures just that clip."""
            import base64
            import io

            import numpy as np
            from PIL import Image

            wrap = (regions or {}).get("wrap") or [0, 0, self.task_width, self.task_height]
            width = max(self.task_width, int(np.ceil(wrap[2])))
            height = max(self.task_height, int(np.ceil(wrap[3])))
            try:
                png = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
                img = Image.open(io.BytesIO(base64.b64decode(png["data"]))).convert("RGB")
            except Exception:  # noqa: BLE001 - no DevTools: miniwob's own (viewport) screenshot
                from miniwob.screenshot import get_screenshot
                img = get_screenshot(self.driver, true_width=self.inner_width,
                                     true_height=self.inner_height, crop_width=width,
                                     crop_height=height)
            if img.size != (width, height):
                img = img.resize((width, height))
            return np.asarray(img, dtype=np.uint8)

        def get_empty_observation(self):
            return {"utterance": "", "fields": [], "dominfo": None, "html": "", "screenshot": None,
                    "regions": None}

        def all_processes(self) -> list:
            procs = list(getattr(self, "processes", []))
            for p in list(procs):
                try:
                    procs.extend(c for c in p.children(recursive=True) if c not in procs)
                except psutil.Error:
                    pass
            return procs

        def kill(self):
            """Quit the driver, then kill whatever of its processes is still alive."""
            procs = self.all_processes()
            try:
                if hasattr(self, "driver"):
                    self.driver.quit()
            except Exception:
                pass
            _kill(procs)
            self.died = True

    return _Instance


def _tree(pid: int) -> list:
    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except psutil.Error:
        return []


def _kill(procs: list) -> None:
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                p.kill()
                alive.append(p)
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)


# Keys beyond miniwob's default list, appended (the default keys keep their indices): moving the
# active option of a multi-select list box without selecting it, and toggling it, which is how a
# keyboard selects several options (click-scroll-list).
EXTRA_KEYS = ("C-<ArrowDown>", "C-<ArrowUp>", "C-<Space>")


def action_space_config():
    """miniwob's `all_supported` action space with `EXTRA_KEYS` added to the allowed keys."""
    from miniwob.action import ActionSpaceConfig

    cfg = ActionSpaceConfig.get_preset("all_supported")
    cfg.allowed_keys = tuple(cfg.allowed_keys) + EXTRA_KEYS
    return cfg


def _gym_env_class():
    from miniwob.environment import MiniWoBEnvironment

    instance_cls = _make_instance_class()

    class _GymEnv(MiniWoBEnvironment):
        time_limit_ms = 30000

        def _hard_reset_instance(self):
            if getattr(self, "instance", None):
                self.instance.kill()
            self.instance = instance_cls(index=0, **self.instance_kwargs)
            self.instance.time_limit_ms = self.time_limit_ms
            self.instance.start()

        def close(self):
            if getattr(self, "instance", None):
                self.instance.kill()

    return _GymEnv


# ---------------------------------------------------------------------------------------------
# WebEnv

def _regions(raw) -> dict:
    """{"wrap"|"query"|"area": (x0, y0, x1, y1)} in screenshot pixels (rounded)."""
    out = {}
    for k, v in (raw or {}).items():
        if v:
            out[k] = tuple(int(round(x)) for x in v)
    return out


@dataclass
class StepResult:
    obs: Observation
    reward: float
    terminated: bool
    truncated: bool
    success: bool
    info: dict = field(default_factory=dict)


_OPEN: "weakref.WeakSet[WebEnv]" = weakref.WeakSet()


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds `with` blocks and runs atexit -> close_all()


def _install_sigterm_handler() -> None:
    """Make SIGTERM (e.g. `timeout`, `kill`) close browsers like Ctrl-C does, when nobody else
    handles SIGTERM in this process."""
    import threading

    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


@atexit.register
def close_all() -> None:
    """Close every open WebEnv (runs at interpreter exit)."""
    for env in list(_OPEN):
        env.close()


def _is_browser_error(e: BaseException) -> bool:
    from selenium.common.exceptions import WebDriverException

    try:
        from urllib3.exceptions import HTTPError
    except ImportError:  # pragma: no cover
        HTTPError = OSError
    return isinstance(e, (WebDriverException, HTTPError, ConnectionError, OSError, RuntimeError))


class WebEnv:
    """One MiniWoB++ task (or project page) in one headless Chromium (see module docstring).

    `task`: a miniwob task name ("click-button") or, with `html_dir`, the stem of a page in that
    folder. `seed`: seeds the sequence of episode seeds used when `reset()` gets none.
    `time_limit_s`: per-episode limit enforced by the page. `screenshots`: take a screenshot of
    the whole task area per observation (about 5-10 ms each): (210, 160, 3) for MiniWoB's tasks,
    larger for pages whose `#wrap` is larger (composed pages: 320 px wide). `field_extractor`: utterance -> fields for
    project pages (default: no fields). `none_wait_s`: an `Action.none()` step first waits this
    long, so agents can wait for delayed page updates (autocomplete menus, animations).
    Use as a context manager, or call `close()`.
    """

    def __init__(self, task: str, seed: int = 0, time_limit_s: float = 30.0,
                 html_dir: Path | None = None, headless: bool = True, *,
                 screenshots: bool = True, field_extractor=None, data_mode: str = "train",
                 none_wait_s: float = 0.1):
        missing = chromium_missing()
        if missing:
            raise WorkbenchError(missing)
        if time_limit_s <= 0:
            raise WorkbenchError(f"time_limit_s must be positive, got {time_limit_s}")
        self.task = task
        self.time_limit_s = float(time_limit_s)
        self.screenshots = screenshots
        self.none_wait_s = float(none_wait_s)
        self._seeds = random.Random(seed)
        base_url, extractor = _resolve_task(task, html_dir, field_extractor)
        self._kwargs = dict(subdomain=task, render_mode=None if headless else "human",
                            action_space_config=action_space_config(),
                            base_url=base_url, field_extractor=extractor, data_mode=data_mode)
        self._gym = None
        self._done = True
        self.episodes = 0
        self.crashes = 0
        _OPEN.add(self)
        _install_sigterm_handler()
        self._start()

    # -- lifecycle ------------------------------------------------------------------------
    def _start(self) -> None:
        cls = _gym_env_class()
        cls.time_limit_ms = int(round(self.time_limit_s * 1000))
        gym = cls.__new__(cls)
        try:
            gym.__init__(**self._kwargs)
        except BaseException:
            if getattr(gym, "instance", None):
                gym.instance.kill()
            raise
        gym.set_record_screenshots(self.screenshots)
        self._gym = gym

    def _restart(self) -> None:
        self.crashes += 1
        self._kill()
        self._start()

    def _kill(self) -> None:
        if self._gym is not None and getattr(self._gym, "instance", None):
            self._gym.instance.kill()
        self._gym = None

    def switch_task(self, task: str, html_dir: Path | None = None, field_extractor=None) -> None:
        """Load another task (miniwob task or project page) into this env's browser: about
        0.1 s instead of a 1.5 s browser start. The seed sequence and time limit carry over."""
        if self._gym is None:
            raise WorkbenchError("this WebEnv is closed")
        base_url, extractor = _resolve_task(task, html_dir, field_extractor)
        self._kwargs.update(subdomain=task, base_url=base_url, field_extractor=extractor)
        self._gym.instance_kwargs.update(subdomain=task, base_url=base_url,
                                         field_extractor=extractor)
        self.task = task
        self._done = True
        try:
            self._gym.instance.load(task, base_url, extractor)
        except Exception as e:
            if not _is_browser_error(e):
                raise
            self._restart()

    def close(self) -> None:
        """Quit the browser and kill every process it started. Safe to call twice."""
        self._kill()
        self._done = True
        _OPEN.discard(self)

    def __enter__(self) -> "WebEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @property
    def pids(self) -> list[int]:
        """Process ids of this env's chromedriver, chromium and chromium helpers."""
        if self._gym is None:
            return []
        return [p.pid for p in self._gym.instance.all_processes()]

    @property
    def gym_env(self):
        """The underlying `miniwob` gymnasium environment (for advanced use)."""
        return self._gym

    # -- episodes -------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> Observation:
        """Start a new episode (seeded from `seed`, or the next seed of the env's sequence)."""
        if self._gym is None:
            raise WorkbenchError("this WebEnv is closed")
        if seed is None:
            seed = self._seeds.randrange(2**31)
        for attempt in range(2):
            try:
                raw, _info = self._gym.reset(seed=seed)
                break
            except Exception as e:
                if attempt or not _is_browser_error(e):
                    raise
                self._restart()
        self.seed = seed
        self.episodes += 1
        self._done = False
        return self._observation(raw)

    def step(self, action: Action) -> StepResult:
        """Apply one action. After `terminated` or `truncated`, call `reset()`."""
        if self._gym is None:
            raise WorkbenchError("this WebEnv is closed")
        if self._done:
            raise WorkbenchError("the episode has ended; call reset() first")
        if not isinstance(action, Action):
            raise WorkbenchError(f"step() takes a workbench.web.actions.Action, got {action!r}")
        miniwob_action = action.to_miniwob(self._gym.action_space_config)
        if action.kind == "none" and self.none_wait_s > 0:
            time.sleep(self.none_wait_s)  # "none" = wait a moment (menus, animations)
        try:
            raw, _r, done, _t, info = self._gym.step(miniwob_action)
        except Exception as e:
            if not _is_browser_error(e):
                raise
            self._restart()
            self._done = True
            return StepResult(self._observation(None), -1.0, True, False, False,
                              {"crashed": True, "error": f"{type(e).__name__}: {e}"[:500]})
        reward = float(info.get("raw_reward", 0.0)) if done else 0.0
        timed_out = bool(done and info.get("reason") == "timed out")
        self._done = bool(done)
        out_info = {"env_reward": float(info.get("env_reward", 0.0)),
                    "reason": info.get("reason"), "elapsed": info.get("elapsed")}
        return StepResult(self._observation(raw), reward, bool(done) and not timed_out,
                          timed_out, bool(done and reward > 0), out_info)

    def _observation(self, raw: dict | None) -> Observation:
        if not raw or raw.get("dominfo") is None:
            return Observation(utterance="", fields=[], dom=[], html="", screenshot=None)
        return Observation(utterance=raw["utterance"], fields=list(raw["fields"]),
                           dom=elements_from_dominfo(raw["dominfo"]), html=raw["html"] or "",
                           screenshot=raw["screenshot"], regions=_regions(raw.get("regions")))
