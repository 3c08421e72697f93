"""CompWoB-mini (arXiv 2311.18751): agents on composed web tasks, on the pages of `workbench.web.compose`.

- the composed-page parser and the oracle / naive / wrong-order agents live in the web layer
  (`workbench.web.instructions`, `workbench.web.composed`)
- `overlap_agent`: the no-model baseline (the candidate sharing the most words with the instruction)
- `candidates`: candidate actions with short descriptions (the learned agents' action space)
- `bc`: the transferred agent, a ranker behaviour-cloned on base-page oracle demos
- `llm_agent`: the prompted agent on `workbench.llm` with base-task exemplars only
- `train`: demos -> BC -> every agent on every page; `analysis`: metrics and figures
- `config`, `claims`: scales and the pre-registered claims
"""
