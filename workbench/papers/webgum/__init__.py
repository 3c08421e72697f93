"""WebGUM-lite (arXiv 2305.11854): screenshot + HTML behaviour cloning on oracle demonstrations of MiniWoB++.

- `tokens`: hashed instruction words (with offsets), HTML tokens tied to element refs, screenshot
  patches, the action as WebGUM's output text
- `data`: demonstrations (recorded and cached by `workbench.web.demos`) -> featurised steps -> batches
- `model`: one transformer over instruction, HTML, patches of the last two screenshots and element
  slots; kind / element pointer / span heads; the HTML-only and image-only variants drop a modality
- `train`: the BC loop, the plain-PyTorch reference loop (benchmark) and the greedy live agent
- `run`: demos -> every model -> live evaluation in Chromium; `analysis`: claims' numbers and figures
- `config`, `claims`: scales and the pre-registered claims
"""
