"""``AuditResult.to_dict(reuse=…)``: a view derived with ``reaudit`` keeps the JSON of the
breakdowns it did not recompute, and its document equals the one serialised from scratch."""

from __future__ import annotations

import json
import tomllib

import auditor
from auditor.policy import Policy

STRICT = """
name = "strict"
[[checks]]
metric = "selection_rate"
rule = "ratio_at_least"
bound = 0.95
"""


def _same_json(left, right) -> bool:
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def _another_reference(before, race: str):
    """(the earlier document, the view with another race reference, its reused document);
    the reused document is checked to equal the one written from scratch."""
    document = before.to_dict()
    after = auditor.reaudit(before, reference={"race": race})
    reused = after.to_dict(reuse=(before, document))
    assert _same_json(reused, after.to_dict())
    return document, after, reused


def test_another_reference_reuses_only_the_untouched_breakdowns(compas_audit):
    before = compas_audit
    document, after, reused = _another_reference(before, "African-American")
    kept = [new is old for old, new in zip(before.breakdowns, after.breakdowns, strict=True)]
    assert kept[0] is False and any(kept)  # race recomputed, others (e.g. sex) kept
    for record, is_kept in zip(reused["breakdowns"], kept, strict=True):
        assert any(record is r for r in document["breakdowns"]) == is_kept


def test_another_policy_reuses_every_breakdown(compas_audit):
    document = compas_audit.to_dict()
    after = auditor.reaudit(
        compas_audit, policy=Policy.from_dict(tomllib.loads(STRICT), source="test")
    )
    reused = after.to_dict(reuse=(compas_audit, document))
    assert _same_json(reused, after.to_dict())
    assert reused["policy"] != document["policy"]
    assert all(
        new is old for new, old in zip(reused["breakdowns"], document["breakdowns"], strict=True)
    )


def test_a_recomputed_breakdown_shares_only_its_reference_free_figures(compas_audit):
    before = compas_audit
    document, _, reused = _another_reference(before, "Caucasian")
    old, new = document["breakdowns"][0], reused["breakdowns"][0]
    assert new is not old and new["reference"] == {"race": "Caucasian"}
    for old_group, new_group in zip(old["groups"], new["groups"], strict=True):
        # rates, intervals and the impact figures do not depend on the reference: shared
        assert new_group["metrics"] is old_group["metrics"]
        assert new_group["intervals"] is old_group["intervals"]
        assert new_group["adverse_impact"] is old_group["adverse_impact"]
        # the comparisons with the reference are written again
        assert new_group["ratio_to_reference"] is not old_group["ratio_to_reference"]
    # another minimum group size changes the flags: nothing is shared
    smaller = auditor.reaudit(before, min_group_size=5000)
    rewritten = smaller.to_dict(reuse=(before, document))
    assert _same_json(rewritten, smaller.to_dict())
    assert all(
        g["metrics"] is not o["metrics"]
        for g, o in zip(
            rewritten["breakdowns"][0]["groups"], document["breakdowns"][0]["groups"], strict=True
        )
        if g["flags"] != o["flags"]
    )
