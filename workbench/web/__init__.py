"""workbench.web: the shared MiniWoB++ layer used by the CompWoB, WebAgent and WebGUM notebooks.

    from workbench.web.env import WebEnv
    from workbench.web.actions import Action
    from workbench.web.oracles import oracle
    from workbench.web.agent import evaluate

    print(evaluate("click-button", oracle("click-button"), episodes=20))

Modules
- `env`: `WebEnv(task, seed, time_limit_s, html_dir, headless)` (one task in one headless
  Chromium; `reset`, `step`, `switch_task`, `close`), `register_page_dir`, `miniwob_tasks`,
  `chromium_missing`. Actions: miniwob's `all_supported` space plus three keys
  (`env.EXTRA_KEYS`: Ctrl+ArrowUp/Down, Ctrl+Space, for multi-select lists).
- `observation`: `Observation(utterance, fields, dom, html, screenshot, regions)`, `Element`
  (tag, text, value, box, `bg_color`/`fg_color` as MiniWoB reports them), `obs.attrs(ref)` (the
  element's HTML attributes), views `dom_text(obs)`, `task_html(obs)` and `crop(obs, region)`.
  Screenshots cover the whole task area: (210, 160, 3) on MiniWoB's tasks, 320 px wide and as
  tall as the page on composed pages (`obs.screenshot_size`); `crop(obs, "area")` is the task
  without the instruction bar (160 x 160 on base tasks, WebGUM's input), `crop(obs, "query")`
  the bar.
- `actions`: `Action.click/type/press_key/none`, `str(action)` and `parse_action(text)`.
- `agent`: the `Agent` protocol (`act(observation, history)`), `run_episode`, `evaluate`.
- `skills`: `Skill`/`@skill`, `SkillAgent(planner)`, element finders (`find`, `find_button`, ...).
- `task_skills`: one skill per base-task widget (`fill_login`, `select_checkboxes`,
  `open_tree_item`, `search_and_open`, `autocomplete`, `forward_email`, ...).
- `oracles`: `PLANNERS[task](instruction) -> [Skill]`, `oracle(task)`, `success_table`;
  `python -m workbench.web.oracles --episodes 25 [--subset]` prints each oracle's success on its
  task. `oracles_subset` adds the rest of the 56-task WebGUM/WebAgent subset (lists, time,
  spinner, menus, colours, shapes, grid, tic-tac-toe, social media, email, dates, flights).
- `catalog`: `SUBSET` (the 56 tasks), `VISUAL` / `is_visual(task)` (solved from the picture by
  people; what the DOM exposes instead), `table()`.
- `recorder`: `Recorder(folder)` (JSONL + PNG demonstrations: per step HTML, DOM with colours,
  screenshot, regions, action, and the oracle's sub-instruction and the refs it needs) and
  `load_dataset(folder)`.
- `demos`: `record_demos(folder, tasks, episodes, workers=...)` (oracle demonstration sets over
  many tasks, resumable, with a dataset card) and `DemoSteps(folder)`, a torch Dataset of
  (screenshot, HTML, DOM, sub-instruction, action) steps.
- `instructions`: composed instructions (the generator's and MiniWoB's wordings, either order)
  -> `Clause`s in execution order: `parse(utterance, respect_after)`, `direction`, `split`.
- `program`: a sandbox for agent-written programs: `compile_program(src)` checks the parsed AST
  against an allow-list (action calls `click/type/press_key/none` with literal arguments, bounded
  `for _ in range(N)`) and expands it into `Action`s, refusing anything else with a one-line
  `ProgramError`; `run_program(src, env)` with action and time limits; `ProgramAgent(write)`.
- `roles`: element finders by role, label and text (buttons, links, labelled inputs, dialogs,
  widgets) that assume no project markup.
- `composed`: the composed-page oracle (`oracle()`, `naive()`, `wrong_order()`,
  `skill_for(clause)`), working on any MiniWoB-style composed page.

Project pages (CompWoB compositions and any page this project writes)
- Write pages on MiniWoB's core JS API into one folder: load `../core/core.js` (plus
  `../core/d3.v3.min.js`, `../common/ui_utils.js`, `../core/jquery-ui/...` as needed), define
  `genProblem()`, start with `window.onload = function () { core.startEpisode(); }`, put the
  instruction in `#query` and the task in `#area` inside `#wrap`, end episodes with
  `core.endEpisode(reward, reward > 0)`. `core.getUtterance` may be overridden to return
  `{utterance, fields}`.
- Run one with `WebEnv("my-page", html_dir=folder)`; `register_page_dir(folder)` (called for you)
  links the folder beside miniwob's `core/` and `common/` so those relative paths resolve.
  Move one open browser between pages/tasks with `env.switch_task(name, html_dir=folder)`.
- Composed pages need no oracle of their own: `workbench.web.composed.oracle()` reads the
  instruction and finds the widgets by role, label and text (tested on the project's pages,
  MiniWoB's base tasks and a second style of composed pages in `tests/web/pages/others/`).
  `compose.pages_fingerprint()` hashes the project's page JavaScript (a cache key for work done
  on the pages).

Importing this package starts no browser. Browser tests skip (with the reason) without Chromium.
"""
