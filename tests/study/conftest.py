from __future__ import annotations

import pytest

from samsim.scenario.loader import load_scenario_text
from samsim.scenario.models import Scenario
from tests.conftest import SMALL_SCENARIO


@pytest.fixture
def small() -> Scenario:
    return load_scenario_text(SMALL_SCENARIO, "small.yaml")
