"""The auditor dashboard: ``streamlit run app.py`` (or ``auditor serve [--sample compas]``).

Pages read widgets, call :mod:`auditor` and draw :mod:`auditor.charts`; nothing here does SQL
or arithmetic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # so that `dashboard.state` imports under any runner
    sys.path.insert(0, str(ROOT))

from dashboard import state as _state  # noqa: E402

# A favicon served by this server: a Material icon here would be fetched from a font host, and
# the app makes no request off the server.
st.set_page_config(
    page_title="auditor — fairness audit",
    page_icon=str(Path(_state.__file__).with_name("favicon.png")),
    layout="wide",
)

_state.load_sample_from_environment()

navigation = st.navigation(
    {
        "Start": [
            st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
            st.Page("pages/upload.py", title="Upload & map", icon=":material/upload:"),
        ],
        "Audit": [
            st.Page("pages/disparities.py", title="Disparities", icon=":material/bar_chart:"),
            st.Page("pages/intersections.py", title="Intersections", icon=":material/grid_on:"),
            st.Page("pages/scores.py", title="Scores", icon=":material/tune:"),
            st.Page("pages/privacy.py", title="Privacy", icon=":material/shield:"),
            st.Page("pages/compare.py", title="Compare models", icon=":material/difference:"),
        ],
        # Not part of an audit: a study on its own (bundled) data.
        "Separate study": [
            st.Page("pages/baseline.py", title="Input vs output", icon=":material/compare_arrows:"),
        ],
        "Keep": [
            st.Page("pages/report.py", title="Report", icon=":material/description:"),
            st.Page("pages/templates.py", title="Templates", icon=":material/gavel:"),
            st.Page("pages/history.py", title="History", icon=":material/history:"),
        ],
    }
)

with st.sidebar:
    # Filled now and again when a page loads data (set_audit), so the sidebar never says
    # "No data loaded." next to "Audited 300 rows".
    _state.set_status_slot(st.empty())
_state.draw_status()

_state.mark_entrypoint()
_state.resume_deep_link()
navigation.run()
_state.draw_status()
