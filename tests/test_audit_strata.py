"""audit(strata=…): strata are counted in the same cube but never become breakdowns."""

from __future__ import annotations

import pytest

import auditor
from auditor import InputError

from .conftest import SAMPLES

HIRING = SAMPLES / "hiring.csv"


def test_strata_do_not_change_the_audit_and_are_kept_in_the_stratified_cube():
    common = dict(label="hired", prediction="selected", protected=["sex", "race_ethnicity"])
    plain = auditor.audit(HIRING, **common).to_dict()
    stratified = auditor.audit(HIRING, strata=["job_group"], **common)
    document = stratified.to_dict()
    plain.pop("created_at"), document.pop("created_at")
    assert document == plain
    assert stratified.stratified_cube.attributes == ("sex", "race_ethnicity", "job_group")
    assert stratified.cube.attributes == ("sex", "race_ethnicity")
    by_job = stratified.stratified_cube.counts(("job_group",))
    assert by_job["n"].sum() == stratified.cube.rows_used


@pytest.mark.parametrize(
    "options, message",
    [
        ({"strata": ["sex"]}, "give each column one role"),
        ({"strata": ["job_group"], "epsilon": 1.0}, "leave out --strata or --epsilon"),
    ],
)
def test_bad_strata_are_input_errors(options, message):
    with pytest.raises(InputError, match=message):
        auditor.audit(HIRING, label="hired", prediction="selected", protected=["sex"], **options)
