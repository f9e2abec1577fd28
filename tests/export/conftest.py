from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.runfactory import make_run


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run directory with known outcomes (see runfactory.OUTCOMES)."""
    return make_run(tmp_path_factory.mktemp("runs") / "viewer_fixture" / "0")
