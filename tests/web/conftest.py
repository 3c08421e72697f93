"""Shared fixtures for the web tests: skip browser tests (with the reason) when Chromium is absent."""

import pytest

from workbench.web.env import chromium_missing

MISSING = chromium_missing()
needs_browser = pytest.mark.skipif(MISSING is not None, reason=f"no browser: {MISSING}")
