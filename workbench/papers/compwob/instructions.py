"""The composed-instruction parser now lives in the web layer (`workbench.web.instructions`), which
reads the project generator's and MiniWoB's wordings in either order; re-exported here for the
notebook and older imports."""
from workbench.web.instructions import Clause, direction, parse, parse_clause, quoted_strings, split

__all__ = ["Clause", "direction", "parse", "parse_clause", "quoted_strings", "split"]
