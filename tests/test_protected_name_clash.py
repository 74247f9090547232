"""A protected column named like one of the count table's own columns is refused, not miscounted.

Before the refusal, a protected column called ``y`` or ``yhat`` silently gave wrong rates (the
attribute overwrote the coded label or decision), and ``n`` crashed the counting step.
"""

from __future__ import annotations

import pandas as pd
import pytest

import auditor
from auditor.errors import InputError
from auditor.ingest import INTERNAL_COLUMN_NAMES


@pytest.mark.parametrize("name", sorted(INTERNAL_COLUMN_NAMES))
def test_a_clashing_protected_name_is_refused_with_the_fix(name):
    frame = pd.DataFrame(
        {name: ["a", "b"] * 20, "label": [0, 1] * 20, "decision": [1, 0, 0, 1] * 10}
    )
    with pytest.raises(InputError, match=f"protected attribute '{name}'.*rename the column"):
        auditor.audit(frame, label="label", prediction="decision", protected=[name])


def test_the_renamed_column_audits_as_the_fix_says():
    frame = pd.DataFrame(
        {"y_group": ["a", "b"] * 20, "label": [0, 1] * 20, "decision": [1, 1, 0, 0] * 10}
    )
    result = auditor.audit(frame, label="label", prediction="decision", protected=["y_group"])
    groups = result.to_dict()["breakdowns"][0]["groups"]
    assert sum(group["n"] for group in groups) == 40
