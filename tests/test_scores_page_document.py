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
