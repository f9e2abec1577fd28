"""The battalion's decision screen (issue 16): a cycle it skips is one whose full offer
would have offered nothing, and skipping it moves no random stream; a cycle refused
before the tracks' prediction (from bounds of the predicted states) is one the screen
would have refused."""

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


def _checked_run(
    world: object, seed: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int, int, int]:
    """Run with every skipped cycle's full offer computed and checked, and every cycle
    refused before the prediction checked against the screen: (refused unpredicted,
    skipped by the screen, offered, refused unpredicted with a ballistic track)."""
    seen = {"skipped": 0, "offered": 0, "unpredicted": 0, "ballistic": 0}
    screen = cpm.CommandPost._may_engage
    bound = cpm.CommandPost._refuses_unpredicted

    def checked_bound(self: cpm.CommandPost, t: float) -> bool:
        refused = bound(self, t)
        if refused:
            seen["unpredicted"] += 1
            state = self.rng.bit_generator.state if self.rng is not None else None
            kin = cpm._Kinematics.of(self, t)
            seen["ballistic"] += int(kin.ballistic.any())
            assert not screen(self, t, kin), "refused a cycle the screen would let through"
            offer = self._offer(t, kin)
            assert not (offer.pk > 0).any(), "refused a cycle with an engagement"
            if self.rng is not None:
                assert self.rng.bit_generator.state == state, "the screen drew after the bound"
        return refused

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
    monkeypatch.setattr(cpm.CommandPost, "_refuses_unpredicted", checked_bound)
    Engine(world, seed).run()  # type: ignore[arg-type]
    return seen["unpredicted"], seen["skipped"], seen["offered"], seen["ballistic"]


@pytest.mark.slow
def test_skipped_cycles_of_the_flagship_would_have_offered_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sc = samsim.load_scenario(ROOT / "examples" / "battalion_vs_cruise_raid.yaml")
    unpredicted, _, offered, _ = _checked_run(compile_world(sc), 0, monkeypatch)
    assert unpredicted > 100 and offered > 10  # both branches exercised


def _without_regiment(example: str) -> str:
    """An example's text with its regiment removed: its battalions decide alone."""
    text = (ROOT / "examples" / f"{example}.yaml").read_text()
    head, rest = text.split("\nregiment:\n", 1)
    return head + "\n" + rest[rest.index("\nunits:\n") + 1 :]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("example", "seed"),
    [
        ("sead_strike", 1),
        ("battalion_in_hills", 2),
        ("battalion_vs_cruise_raid", 5),
        ("regiment_vs_mixed_raid", 3),
    ],
)
def test_cycles_refused_unpredicted_would_have_been_refused(
    example: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cycle refused from the bounds of the tracks' predictions is one the screen
    and the full offer refuse, with the random stream where the full path leaves it
    (the mixed raid without its regiment: ballistic tracks and the gravity bound)."""
    if example.startswith("regiment"):
        sc = load_scenario_text(_without_regiment(example))
    else:
        sc = samsim.load_scenario(ROOT / "examples" / f"{example}.yaml")
    seen = _checked_run(compile_world(sc), seed, monkeypatch)
    unpredicted, _, offered, ballistic = seen
    assert unpredicted > 50 and offered > 0
    assert ballistic > 0 or not example.startswith("regiment")


def test_the_screen_leaves_decoy_identification_draws_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Decoys and imperfect identification: the screen makes the identification draws the
    offer would make, so the event log is the one of a run that evaluates every cycle."""
    world = compile_world(load_scenario_text(DECOYS))
    fast = Engine(world, 3).run()
    monkeypatch.setattr(cpm.CommandPost, "_may_engage", lambda self, t, kin: True)
    monkeypatch.setattr(cpm.CommandPost, "_refuses_unpredicted", lambda self, t: False)
    full = Engine(world, 3).run()
    assert _ipc(fast.events) == _ipc(full.events)  # bit for bit (NaN fields included)
    kinds = fast.events["kind"].to_pylist()
    assert "launch" in kinds  # the scenario engages: the screen let real cycles through
