"""Helpers shared by test modules (import them as `from support import ...`; tests/ is on sys.path)."""
import nbformat
import pytest

from workbench.web.env import chromium_missing

BROWSER_MISSING = chromium_missing()
needs_browser = pytest.mark.skipif(BROWSER_MISSING is not None, reason=f"no browser: {BROWSER_MISSING}")


def make_notebook(path, cells):
    """A notebook from (kind, source[, tags]) tuples; the first code cell tagged 'parameters' if asked."""
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        kind, source, *tags = cell
        c = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        if tags:
            c.metadata["tags"] = tags[0]
        nb.cells.append(c)
    nbformat.write(nb, str(path))
    return path
