"""`python -m workbench.web.compose`: regenerate the pages in workbench/web/tasks/compwob/."""
from workbench.web.compose.generate import PAGES_DIR, write_pages

written = write_pages()
print(f"{len(written)} pages in {PAGES_DIR}")
