"""`workbench lab`: JupyterLab on the checkout that leaves the tracked notebooks clean.

A notebook under `notebooks/` is saved from Lab (Ctrl-S or autosave) the way the repo stores it: no
outputs, no execution counts, cell metadata reduced to tags, and the notebook-level metadata the
file already had (a kernel or Lab would rewrite `language_info` and the kernel's display name). Only
edits to the cells themselves reach the tracked file, so running a notebook and saving it leaves
`git status` clean, while a changed narrative or parameter shows up as an ordinary diff.

The notebook as seen in Lab, outputs included, is saved at the same time to
`runs/lab/<stem>/<stem>.ipynb`, next to the results.json the notebook writes there (runs/ is not
tracked); open it from Lab's file browser to see the outputs again. Notebooks anywhere else save as usual.

`workbench lab` hands this hook to Jupyter as `--ContentsManager.pre_save_hook=workbench.lab.pre_save`.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path, PurePosixPath

from workbench.cache import atomic_write_text

THIN_DIR = "notebooks"           # notebooks below this folder of Lab's root are stored thin
KEPT_DIR = ("runs", "lab")       # ...and their full copies go below this one
CELL_METADATA_KEPT = ("tags",)   # papermill finds the parameters cell by its tag
NEW_NOTEBOOK_METADATA = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}}


def thin(nb: dict, metadata: dict | None = None) -> dict:
    """A copy of notebook JSON `nb` as the repo stores it; `metadata` replaces the notebook-level metadata."""
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k in CELL_METADATA_KEPT}
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["metadata"] = copy.deepcopy(metadata if metadata is not None else NEW_NOTEBOOK_METADATA)
    return nb


def is_thin_path(api_path: str) -> bool:
    parts = PurePosixPath(api_path.strip("/")).parts
    return len(parts) > 1 and parts[0] == THIN_DIR and parts[-1].endswith(".ipynb")


def pre_save(model: dict, path: str, contents_manager, **kwargs) -> None:
    """Jupyter's pre-save hook: keep the full notebook under runs/lab/, store the thin one under notebooks/."""
    if model.get("type") != "notebook" or not is_thin_path(path):
        return
    import nbformat

    root = Path(contents_manager.root_dir)
    stem = PurePosixPath(path).stem
    kept = root.joinpath(*KEPT_DIR, stem, f"{stem}.ipynb")
    try:
        atomic_write_text(kept, nbformat.writes(nbformat.from_dict(model["content"])) + "\n")
    except OSError as e:  # the tracked notebook is still saved (thin); say where the outputs did not go
        contents_manager.log.error("workbench: could not keep the outputs of %s in %s: %s", path, kept, e)
    model["content"] = thin(model["content"], _metadata_on_disk(root / path))


def _metadata_on_disk(os_path: Path) -> dict | None:
    try:
        return json.loads(os_path.read_text()).get("metadata")
    except (OSError, ValueError, AttributeError):
        return None  # a new notebook (or an unreadable one): the repo's standard metadata
