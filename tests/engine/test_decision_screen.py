"""The battalion's decision screen (issue 16): a cycle it skips is one whose full offer
would have offered nothing, and skipping it moves no random stream."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

import samsim
from samsim.c2 import command_post as cpm
from samsim.engine.loop import Engine
from samsim.engine.world import compile_world
from samsim.scenario.loader import load_scenario_text
from tests.engine.test_threat_behaviour import DECOYS

ROOT = Path(__file__).resolve().parents[2]


def _ipc(table: pa.Table) -> bytes:
    """A table's Arrow IPC stream (schema and every buffer)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _checked_run(world: object, seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Run with every skipped cycle's full offer computed and checked: (skipped, offered)."""
    seen = {"skipped": 0, "offered": 0}
    screen = cpm.CommandPost._may_engage

    def checked(self: cpm.CommandPost, t: float, kin: cpm._Kinematics) -> bool:
        ok = screen(self, t, kin)
        if not ok:
            seen["skipped"] += 1
            state = self.rng.bit_generator.state if self.rng is not None else None
            offer = self._offer(t, kin)
            assert not (offer.pk > 0).any(), "the screen skipped a cycle with an engagement"
            if self.rng is not None:
                assert self.rng.bit_generator.state == state, "the offer drew after the screen"
        else:
            seen["offered"] += 1
        return ok

    monkeypatch.setattr(cpm.CommandPost, "_may_engage", checked)
    Engine(world, seed).run()  # type: ignore[arg-type]
    return seen["skipped"], seen["offered"]


@pytest.mark.slow
def test_skipped_cycles_of_the_flagship_would_have_offered_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sc = samsim.load_scenario(ROOT / "examples" / "battalion_vs_cruise_raid.yaml")
    skipped, offered = _checked_run(compile_world(sc), 0, monkeypatch)
    assert skipped > 100 and offered > 10  # both branches exercised


def test_the_screen_leaves_decoy_identification_draws_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Decoys and imperfect identification: the screen makes the identification draws the
    offer would make, so the event log is the one of a run that evaluates every cycle."""
    world = compile_world(load_scenario_text(DECOYS))
    fast = Engine(world, 3).run()
    monkeypatch.setattr(cpm.CommandPost, "_may_engage", lambda self, t, kin: True)
    full = Engine(world, 3).run()
    assert _ipc(fast.events) == _ipc(full.events)  # bit for bit (NaN fields included)
    kinds = fast.events["kind"].to_pylist()
    assert "launch" in kinds  # the scenario engages: the screen let real cycles through
