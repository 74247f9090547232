"""Plain-language findings: the higher-rate group is the subject, attributes read naturally."""

from __future__ import annotations

from auditor.narrative import VOCABULARIES, describe_group_comparison, largest_disparities


def _group(key, metrics, **extra):
    return {"key": key, "metrics": metrics, "flags": [], **extra}


COMPAS = VOCABULARIES["compas"]


def test_the_issue_example_sentence():
    black = _group({"race": "African-American"}, {"fpr": 0.4233})
    white = _group({"race": "Caucasian"}, {"fpr": 0.2201})
    assert describe_group_comparison("fpr", black, white, vocabulary=COMPAS) == (
        "African-American defendants who did not re-offend were flagged high-risk 1.9× as often "
        "as Caucasian defendants who did not re-offend (42.3% vs 22.0%)."
    )


def test_lower_rate_group_is_turned_around_so_the_factor_exceeds_one():
    low = _group({"race": "Asian"}, {"selection_rate": 0.2})
    high = _group({"race": "African-American"}, {"selection_rate": 0.6})
    sentence = describe_group_comparison("selection_rate", low, high, vocabulary=COMPAS)
    assert sentence.startswith(
        "African-American defendants were flagged high-risk 3.0× as often as Asian"
    )


def test_non_adjective_attributes_follow_the_noun():
    young = _group({"age_cat": "25 - 45"}, {"fnr": 0.3})
    old = _group({"age_cat": "Greater than 45"}, {"fnr": 0.6})
    sentence = describe_group_comparison("fnr", young, old, vocabulary=COMPAS)
    assert sentence.startswith("defendants with age_cat Greater than 45 who re-offended")


def test_undefined_or_zero_rates_give_no_sentence():
    a = _group({"race": "A"}, {"fpr": None})
    b = _group({"race": "B"}, {"fpr": 0.3})
    assert describe_group_comparison("fpr", a, b) is None
    assert describe_group_comparison("fpr", b, _group({"race": "C"}, {"fpr": 0.0})) is None


def test_largest_disparities_skip_small_groups(compas_audit):
    findings = largest_disparities(compas_audit.to_dict(), vocabulary=COMPAS, top=50)
    assert findings and all("Native American" not in f.sentence for f in findings)
    strengths = [f.strength for f in findings]
    assert strengths == sorted(strengths, reverse=True)
