"""The replay page in a real browser (Debian's headless Chromium driven by Playwright).

Loads the page served by ``samsim serve``, checks that the map and every track render,
moves the time slider, clicks a threat and reads its timeline, and checks that no request
left 127.0.0.1. Screenshots go to test-artifacts/ (not committed).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from samsim.export.rundir import RunData
from samsim.web.server import ViewerServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium); "
        "playwright's own browser downloads are never used",
    ),
]


@contextlib.contextmanager
def _served(run: Path) -> Iterator[ViewerServer]:
    srv = make_server(run, port=0)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


@contextlib.contextmanager
def _browser_page(url: str) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page on ``url``, loaded; every request URL and every page error recorded."""
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        ctx.on("request", lambda r: requests.append(r.url))

        def route(r: Any) -> None:  # anything not local is recorded above and blocked here
            if urlsplit(r.request.url).hostname == "127.0.0.1":
                r.continue_()
            else:
                r.abort()

        ctx.route("**/*", route)
        pg = ctx.new_page()
        pg.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        pg.on(
            "console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None
        )
        pg.goto(url)
        pg.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
        try:
            yield pg, requests, errors
        finally:
            ctx.close()
            browser.close()


def _only_local(requests: list[str]) -> None:
    assert requests, "no request recorded"
    hosts = {urlsplit(u).hostname for u in requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, sorted(set(requests))


def _nonempty_paths(pg: Any, selector: str) -> int:
    return int(
        pg.evaluate(
            "(sel) => [...document.querySelectorAll(sel)]"
            ".filter(p => (p.getAttribute('d') || '').length > 8).length",
            selector,
        )
    )


def test_replay_in_the_browser(run_dir: Path) -> None:
    with _served(run_dir) as srv, _browser_page(srv.url) as (pg, requests, errors):
        _check_fixture_replay(pg, requests, errors, RunData(run_dir))


def _check_fixture_replay(pg: Any, requests: list[str], errors: list[str], run: RunData) -> None:
    ARTIFACTS.mkdir(exist_ok=True)

    # -- the map and its sites
    assert pg.locator("#map.leaflet-container").count() == 1
    assert pg.locator("[data-testid=scenario-name]").inner_text().endswith("viewer_fixture")
    assert pg.locator(".site-icon").count() == len(run.sites())
    assert pg.locator(".site-radar").count() == 2
    # true coverage (30 m, the cruise missile) beside the naive range rings, one per radar
    assert _nonempty_paths(pg, "path.range-ring") == 2
    assert _nonempty_paths(pg, "path.coverage-outline") == 2
    pg.screenshot(path=str(ARTIFACTS / "viewer-start.png"))

    # -- land outlines from the vendored Natural Earth data (zoomed out to reach a coast)
    assert pg.evaluate("window.samsimViewer.landPolygons") > 1000
    pg.evaluate("() => { window.samsimViewer.map.setView([40, -20], 3, {animate: false}); }")
    pg.wait_for_timeout(300)
    painted = pg.evaluate(
        """() => {
          const c = document.querySelector('.leaflet-land-pane canvas');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
          return n / (c.width * c.height);
        }"""
    )
    assert painted > 0.05  # Europe and Africa fill part of the view
    pg.screenshot(path=str(ARTIFACTS / "viewer-land.png"))
    pg.evaluate("() => { window.samsimViewer.fit(); }")

    # -- move the slider to the end: every threat and interceptor track is drawn
    end = float(pg.locator("[data-testid=slider]").get_attribute("max"))
    assert end >= run.end_time_s
    pg.locator("[data-testid=slider]").fill(str(end))
    assert float(pg.locator("[data-testid=clock]").get_attribute("data-t")) == pytest.approx(
        end, abs=1.0
    )
    assert _nonempty_paths(pg, "path.threat-track") == run.n_threats == 5
    assert _nonempty_paths(pg, "path.interceptor-track") == len(run.interceptors) == 8
    rows = int(pg.locator("[data-testid=event-table]").get_attribute("data-rows"))
    assert rows == run.events.num_rows

    # -- back to t = 260 s: the event table follows the clock
    pg.locator("[data-testid=slider]").fill("260")
    t = float(pg.locator("[data-testid=clock]").get_attribute("data-t"))
    assert t == pytest.approx(260.0, abs=0.5)
    expect_rows = int((run.ev["time_s"] <= t).sum())
    assert int(pg.locator("[data-testid=event-table]").get_attribute("data-rows")) == expect_rows
    first_row_t = float(pg.locator("#event-table tbody tr td").first.inner_text())
    assert first_row_t <= t
    # only the threats in flight at t carry a marker
    active = [
        i for i, tr in run.tracks("threat").items() if tr["time_s"][0] <= t <= tr["time_s"][-1]
    ]
    assert pg.locator("path.threat-marker").count() == len(active)
    pg.screenshot(path=str(ARTIFACTS / "viewer-260s.png"))

    # -- click a threat on the map (the fighter, alone up north): its timeline
    fighter = run.threat_names.index("fighters-1")
    pg.locator(f"path.threat-marker[data-id='{fighter}']").click()
    tl = pg.locator("[data-testid=timeline]")
    assert tl.is_visible()
    assert pg.locator("[data-testid=timeline-name]").inner_text() == "fighters-1"
    assert tl.get_attribute("data-outcome") == "survived"
    text = pg.locator("[data-testid=timeline-list]").inner_text()
    ft = run.timelines[fighter]
    assert f"first detected t = {ft.first_detection_s:.1f} s" in text
    assert f"track confirmed t = {ft.track_confirmed_s:.1f} s" in text
    assert "engaged: never" in text and "missiles fired: none" in text
    pg.screenshot(path=str(ARTIFACTS / "viewer-timeline-fighter.png"))

    # -- and a leaker from the threat list: two missiles fired, both missed
    pg.locator("#threat-table tbody tr[data-id='2']").click()
    text = pg.locator("[data-testid=timeline-list]").inner_text()
    assert pg.locator("[data-testid=timeline-name]").inner_text() == "cm_north-3"
    assert text.count("missile fired") == 2 and text.count("miss (miss") == 2
    assert "outcome: leaked" in text and "reached port" in text
    pg.screenshot(path=str(ARTIFACTS / "viewer-timeline-leaker.png"), full_page=True)

    # -- play runs the clock forward
    pg.locator("[data-testid=play]").click()
    pg.wait_for_timeout(600)
    pg.locator("[data-testid=play]").click()
    assert float(pg.locator("[data-testid=clock]").get_attribute("data-t")) > t

    # -- nothing left the machine, nothing broke
    _only_local(requests)
    assert not errors, errors


def test_replay_of_an_engine_run(real_run_dir: Path) -> None:
    """The battalion example as the engine ran it: coverage beside the range rings, every
    track, a leaker's timeline."""
    run = RunData(real_run_dir)
    leaker = run.summary["leakers"][0]
    with _served(real_run_dir) as srv, _browser_page(srv.url) as (pg, requests, errors):
        status = pg.locator("[data-testid=coverage-status]")
        assert status.get_attribute("data-outlines") == "2", status.inner_text()
        assert _nonempty_paths(pg, "path.coverage-outline") == 2
        assert _nonempty_paths(pg, "path.range-ring") == 2
        assert pg.locator("[data-testid=terrain-status]").inner_text() == (
            "terrain: flat (no shading)"
        )
        # true coverage at 1 km for the fighter is recomputed on request
        pg.locator("[data-testid=cov-threat]").select_option("fighter")
        pg.locator("[data-testid=cov-height]").select_option("1000")
        pg.wait_for_selector("[data-testid=coverage-status]:has-text('fighter (3')")
        pg.wait_for_selector("[data-testid=coverage-status]:has-text('at 1000 m above')")
        assert _nonempty_paths(pg, "path.coverage-outline") == 2

        end = float(pg.locator("[data-testid=slider]").get_attribute("max"))
        pg.locator("[data-testid=slider]").fill(str(end))
        assert _nonempty_paths(pg, "path.threat-track") == run.n_threats
        assert _nonempty_paths(pg, "path.interceptor-track") == len(run.interceptors)

        pg.locator("[data-testid=slider]").fill(str(leaker["time_s"] - 60.0))
        pg.locator(f"#threat-table tbody tr[data-id='{leaker['threat_id']}']").click()
        assert pg.locator("[data-testid=timeline-name]").inner_text() == leaker["threat"]
        text = pg.locator("[data-testid=timeline-list]").inner_text()
        assert "outcome: leaked" in text and f"reached {leaker['asset']}" in text
        pg.screenshot(path=str(ARTIFACTS / "viewer-battalion.png"))
        _only_local(requests)
        assert not errors, errors


@pytest.fixture(scope="module")
def sead_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/sead_strike.yaml as the engine runs it (seed 0: two radars lost)."""
    from samsim.engine.loop import simulate
    from samsim.scenario.loader import load_scenario

    root = Path(__file__).resolve().parents[2]
    sc = load_scenario(root / "examples" / "sead_strike.yaml")
    out = tmp_path_factory.mktemp("sead") / sc.name / "0"
    simulate(sc, seed=0).write(out)
    return out


def test_replay_shows_the_defences_losses_and_emissions(sead_run_dir: Path) -> None:
    """A node the raid destroys is marked on the map where it stood, with what destroyed
    it; node losses and emission switches are named in the event table (issue 12)."""
    import pyarrow.parquet as pq

    ev = pq.read_table(sead_run_dir / "events.parquet").to_pandas()
    lost = ev[ev["kind"] == "node_lost"]
    switches = ev[ev["kind"].isin(["emission_on", "emission_off"])]
    assert len(lost) > 0 and len(switches) > 0, "seed 0 of the SEAD example loses nodes"
    with _served(sead_run_dir) as srv, _browser_page(srv.url) as (pg, requests, errors):
        end = float(pg.locator("[data-testid=slider]").get_attribute("max"))
        pg.locator("[data-testid=slider]").fill(str(end))
        markers = pg.locator(".event-node-lost")
        assert markers.count() == len(lost)
        # bring the first one to the middle of the map (the legend may cover a corner)
        pg.evaluate(
            """() => {
              const el = document.querySelector('.event-node-lost');
              const m = window.samsimViewer.map, r = el.getBoundingClientRect();
              const c = m.getContainer().getBoundingClientRect();
              m.panBy([r.x + r.width / 2 - (c.x + c.width / 2),
                       r.y + r.height / 2 - (c.y + c.height / 2)], {animate: false});
            }"""
        )
        markers.first.hover()
        tip = pg.locator(".leaflet-tooltip").last.inner_text()
        first = lost.sort_values("time_s").iloc[0]
        assert f"{first['asset']} ({first['detail']}) destroyed by" in tip
        # the event table names them (it shows the latest 200 rows: go to the first loss)
        pg.locator("[data-testid=slider]").fill(str(float(first["time_s"]) + 0.01))
        table = pg.locator("#event-table").inner_text()
        assert "node lost" in table and f"{first['asset']} ({first['detail']}) destroyed" in table
        assert "node lost" in pg.locator(".legend").inner_text()
        t_sw = float(switches["time_s"].iloc[0])
        pg.locator("[data-testid=slider]").fill(str(t_sw + 0.01))
        assert "emission" in pg.locator("#event-table").inner_text()
        pg.locator("[data-testid=slider]").fill(str(end))
        pg.screenshot(path=str(ARTIFACTS / "viewer-sead.png"))
        _only_local(requests)
        assert not errors, errors
