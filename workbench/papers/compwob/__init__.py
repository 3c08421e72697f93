"""CompWoB-mini (arXiv 2311.18751): agents on composed web tasks, on the pages of `workbench.web.compose`.

- `instructions`: split "A, and then B" / "B, after A-ing" into clauses (execution or textual order)
- `skills`: one reactive skill per base sub-task, confined to its box on the page
- `agents_scripted`: oracle (execution order), naive (textual order), wrong-order probe
- `candidates`: candidate actions with short descriptions (the learned agents' action space)
- `bc`: the transferred agent, a ranker behaviour-cloned on base-page oracle demos
- `llm_agent`: the prompted agent on `workbench.llm` with base-task exemplars only
- `train`: demos -> BC -> every agent on every page; `analysis`: metrics and figures
- `config`, `claims`: scales and the pre-registered claims
"""
