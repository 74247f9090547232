"""The Scores page writes only the parts of the moved-threshold audit it shows, and they are
exactly those parts of the whole audit JSON."""

from __future__ import annotations

import json

from dashboard.scores import page_document
from dashboard.views import threshold_view


def test_the_page_document_is_the_policy_words_and_one_breakdown_of_the_whole(compas_audit):
    view = threshold_view(compas_audit, 7)
    whole = view.to_dict()
    assert whole["policy"] is not None
    for attribute in view.mapping.protected:
        part = page_document(view, attribute)
        assert set(part) == {"policy", "vocabulary", "breakdowns"}
        expected = [b for b in whole["breakdowns"] if b["by"] == [attribute]]
        assert len(expected) == 1
        for key, value in (("policy", whole["policy"]), ("vocabulary", whole["vocabulary"])):
            assert json.dumps(part[key], sort_keys=True) == json.dumps(value, sort_keys=True)
        assert json.dumps(part["breakdowns"], sort_keys=True) == json.dumps(
            expected, sort_keys=True
        )


def test_detailing_only_the_shown_attribute_changes_nothing_the_page_shows(compas_audit):
    whole = threshold_view(compas_audit, 7)
    for attribute in whole.mapping.protected:
        shown = threshold_view(compas_audit, 7, shown=(attribute,))
        assert json.dumps(page_document(shown, attribute), sort_keys=True) == json.dumps(
            page_document(whole, attribute), sort_keys=True
        )
        # the other breakdowns were left without tests and intervals (that is the saving)
        others = [b for b in shown.breakdowns if b.by != (attribute,)]
        assert others and all(
            not (g.tests or g.intervals or g.ratio_intervals or g.difference_intervals)
            and (g.adverse_impact is None or g.adverse_impact.interval is None)
            for b in others
            for g in b.groups
        )
        # ... but what the verdicts read is there, equal to the full computation
        for lean in others:
            full = next(b for b in whole.breakdowns if b.by == lean.by)
            assert lean.summary == full.summary
            assert lean.summary_sufficient_data == full.summary_sufficient_data
            for g, f in zip(lean.groups, full.groups, strict=True):
                assert (g.counts, g.metrics, g.flags) == (f.counts, f.metrics, f.flags)
    detailed = [b for b in whole.breakdowns if b.by == (whole.mapping.protected[0],)][0]
    assert any(g.tests for g in detailed.groups)
    assert all(g.intervals for g in detailed.groups)


def test_a_strict_interval_policy_gives_the_same_verdicts_on_a_lean_view(compas_audit, tmp_path):
    """Checks judged on intervals compute the intervals they need: a view whose other
    breakdowns carry none gives the very verdicts of the full view."""
    import auditor

    path = tmp_path / "strict.toml"
    path.write_text(STRICT_INTERVALS)
    policy = auditor.load_policy(path)
    whole = threshold_view(compas_audit, 6, policy=policy)
    lean = threshold_view(compas_audit, 6, policy=policy, shown=("sex",))
    assert whole.policy.to_dict() == lean.policy.to_dict()
    judged = [c for c in lean.policy.to_dict()["checks"] if c.get("interval") is not None]
    assert {tuple(c["by"]) for c in judged} >= {("race",), ("age_cat",)}  # lean breakdowns


STRICT_INTERVALS = """
name = "strict, on intervals"
[[checks]]
metric = "selection_rate"
rule = "ratio_at_least"
bound = 0.9
evidence = "interval"
[[checks]]
metric = "fpr"
rule = "difference_at_most"
bound = 0.05
evidence = "interval"
[[checks]]
metric = "demographic_parity_difference"
rule = "at_most"
bound = 0.05
evidence = "interval"
"""


def test_the_roc_curves_are_computed_once_per_attribute_and_equal_a_fresh_computation(
    compas_audit,
):
    from dashboard.scores import _roc_frame, roc_frame

    for attribute in compas_audit.mapping.protected:
        kept = roc_frame(compas_audit, attribute)
        assert roc_frame(compas_audit, attribute) is kept  # a moved threshold reuses it
        fresh = _roc_frame(compas_audit.cube, attribute)
        assert fresh is not kept
        assert kept.equals(fresh) and set(kept["group"]) == {
            g.key[attribute] for g in compas_audit.breakdown(attribute).groups if g.n > 0
        }
