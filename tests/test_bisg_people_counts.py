"""The BISG cubes count people, not person × race cells, in their rows and exclusions.

Each person adds their probabilities to six race cells; the weighted cube's rows and
exclusions are its totals rounded to whole people (a person's probabilities sum to 1), the
threshold cube's are counted from the people per cell, and the people it cannot assign are
its own exclusion. Checked against counts made by hand on a small file with missing labels and
decisions (empty, NULL) and names of every kind."""

from __future__ import annotations

import pandas as pd
import pytest

from auditor.bisg import BisgSpec, build_bisg_cubes
from auditor.engine import connect
from auditor.ingest import ColumnMapping, open_source

SURNAMES = ["Garcia", "smith", "O'Brien", "Nguyen", None, "Qxzqvwlk", "Washington", "Lee"]
ZIPS = ["90011", "60615", None, "02139-4307", "99999", "10027", "abc", "94110"]


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    rows = []
    for index in range(80):
        label = str(index % 2)
        decision = str((index // 2) % 2)
        if index % 10 == 3:
            label = None  # missing label
        if index % 10 == 7:
            label = ""  # empty label: missing too
        if index % 20 == 5:
            decision = None  # missing decision (label present)
        rows.append(
            {
                "last_name": SURNAMES[index % len(SURNAMES)],
                "zip": ZIPS[(index // 3) % len(ZIPS)],
                "repaid": label,
                "approved": decision,
                "sex": ["Female", "Male"][index % 2],
            }
        )
    return pd.DataFrame(rows)


def test_rows_and_exclusions_count_people(people):
    missing_label = int((people["repaid"].isna() | (people["repaid"] == "")).sum())
    missing_decision = int(
        (people["approved"].isna() & ~(people["repaid"].isna() | (people["repaid"] == ""))).sum()
    )
    assert missing_label == 16 and missing_decision == 4
    mapping = ColumnMapping(protected=("sex", "race"), label="repaid", prediction="approved")
    spec = BisgSpec(surname="last_name", zip="zip", estimator="both")
    con = connect()
    try:
        cubes = build_bisg_cubes(
            open_source(people, connection=con), mapping, spec, connection=con, max_groups=1000
        )
    finally:
        con.close()
    expected = {"missing_label": missing_label, "missing_prediction": missing_decision}
    weighted, threshold = cubes.weighted, cubes.threshold
    assert weighted.rows == len(people) == 80
    assert weighted.exclusions == expected
    assert weighted.rows_excluded == missing_label + missing_decision
    assert threshold.rows == len(people)
    unassigned = threshold.exclusions["race_unassigned"]
    assert {k: v for k, v in threshold.exclusions.items() if k != "race_unassigned"} == expected
    assert threshold.rows_excluded == missing_label + missing_decision + unassigned
    assigned = float(threshold.cells["n"].sum())
    assert unassigned == 80 - missing_label - missing_decision - assigned
    assert 0 < unassigned < 60
