import nbformat
import pytest


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


@pytest.fixture
def notebook_factory(tmp_path):
    return lambda name, cells: make_notebook(tmp_path / f"{name}.ipynb", cells)
