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


def test_testing_only_the_shown_attribute_changes_nothing_the_page_shows(compas_audit):
    whole = threshold_view(compas_audit, 7)
    for attribute in whole.mapping.protected:
        shown = threshold_view(compas_audit, 7, tested=(attribute,))
        assert json.dumps(page_document(shown, attribute), sort_keys=True) == json.dumps(
            page_document(whole, attribute), sort_keys=True
        )
        # the other breakdowns were left untested (that is the saving)
        others = [b for b in shown.breakdowns if b.by != (attribute,)]
        assert others and all(not g.tests for b in others for g in b.groups)
    tested = [b for b in whole.breakdowns if b.by == (whole.mapping.protected[0],)][0]
    assert any(g.tests for g in tested.groups)
