"""workbench.web: the shared MiniWoB++ layer (harness, observations, actions, agents, oracles,
recorder) used by the CompWoB, WebAgent and WebGUM notebooks.

    from workbench.web.env import WebEnv
    from workbench.web.actions import Action
    from workbench.web.oracles import oracle
    from workbench.web.agent import evaluate

    print(evaluate("click-button", oracle("click-button"), episodes=20))

Modules: `env` (WebEnv, register_page_dir), `observation` (Observation, Element, dom_text,
task_html), `actions` (Action, parse_action), `agent` (Agent, run_episode, evaluate), `skills`
(Skill, SkillAgent, element finders), `oracles` (PLANNERS, oracle), `recorder` (Recorder,
load_dataset). Importing this package starts no browser.
"""
