"""Write smoke-scale copies of every notebook for nbval (`make test` runs `pytest --nbval-lax` on them).

nbval executes a notebook as stored, and the stored default scale is `cpu` (up to 15 minutes each);
papermill's prepare-only mode injects `scale = "smoke"` without executing anything.
"""
import shutil
import sys
from pathlib import Path

import papermill as pm

from workbench import registry
from workbench.paths import REPO_ROOT

out = Path(sys.argv[1] if len(sys.argv) > 1 else REPO_ROOT / "runs" / "nbval")
shutil.rmtree(out, ignore_errors=True)
out.mkdir(parents=True)
for paper in registry.available():
    pm.execute_notebook(str(paper.notebook), str(out / paper.notebook.name), prepare_only=True,
                        parameters={"scale": "smoke", "overrides": {}, "results_dir": str(out / paper.slug)},
                        kernel_name="python3", language="python", progress_bar=False)
    print(f"prepared {out / paper.notebook.name}")
