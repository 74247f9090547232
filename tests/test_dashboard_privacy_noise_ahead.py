"""The Privacy page draws a release's OpenDP noise while ε is chosen, and the click uses it once.

Moving the ε slider starts the draw for that ε in the background
(:func:`dashboard.state.draw_noise_ahead`, as the page has been drawn); "Release" takes it. Checked with the page itself:
the release after a slider change is the exact counts plus the noise drawn for that ε; noise
drawn for an ε the user moved away from is discarded; a second release never gets the first
one's noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from auditor.privacy.release import (
    _finest_cells,
    _pooled_cells,
    add_drawn_noise,
    combine_measurements,
)
from dashboard.state import NOISE_AHEAD

from .test_dashboard_pages import _loaded, _open


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _pending(at):
    """The noise being drawn ahead in the session, and a copy of what it drew."""
    _, ahead = at.session_state[NOISE_AHEAD]
    spec, plan, noise = ahead._future.result(timeout=60)
    return ahead, spec, plan, [vector.copy() for vector in noise]


def _released_from(at, spec, plan, noise) -> bool:
    """Whether the session's last release is its exact counts plus ``noise``."""
    private = at.session_state["private_result"][1]
    cube = at.session_state["audit"].cube
    counts = _pooled_cells(cube, _finest_cells(cube), private.cube.release.domain)["n"]
    expected = combine_measurements(plan, add_drawn_noise(plan, spec, counts.to_numpy(), noise))
    return np.array_equal(private.cube.cells["n"].to_numpy(), expected)


def test_a_release_after_a_slider_change_uses_fresh_noise_drawn_for_that_epsilon():
    at = _open(_loaded(), "privacy")
    at.select_slider(key="dp_epsilon").set_value(0.5).run()
    first, spec, plan, noise = _pending(at)
    assert first.request["epsilon"] == 0.5 and spec.epsilon == 0.5 and not first.used
    at.select_slider(key="dp_epsilon").set_value(2.0).run()  # moved on: that noise is dropped
    assert first.used and first.take(plan, spec) is None
    stale = first
    at.select_slider(key="dp_epsilon").set_value(0.5).run()
    first, spec, plan, noise = _pending(at)
    assert first is not stale and not first.used

    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    private = at.session_state["private_result"][1]
    assert private.privacy["epsilon"] == 0.5
    assert (private.cube.release.plan, private.cube.release.spec) == (plan, spec)
    assert _released_from(at, spec, plan, noise)
    assert first.used and first.take(plan, spec) is None  # handed out once

    # the next release at the same ε: noise drawn anew (started as the page was drawn after
    # the first release), never the first release's
    second, spec2, plan2, noise2 = _pending(at)
    assert second is not first and (plan2, spec2) == (plan, spec)
    assert not all(np.array_equal(a, b) for a, b in zip(noise, noise2, strict=True))
    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _released_from(at, spec2, plan2, noise2)
    assert not _released_from(at, spec, plan, noise)
    assert at.session_state["private_result"][1].privacy["ledger"]["releases"] == 2


def test_an_undeclared_attribute_draws_nothing_ahead_and_still_releases():
    at = _open(_loaded(), "privacy")
    at.checkbox(key="dp_declare_race").uncheck().run()
    assert NOISE_AHEAD not in at.session_state  # the domain is chosen by the release itself
    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["private_result"][1].privacy["partition_selection"]
