"""Each group against the reference in plain words, for the Disparities and History pages. No
Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SENTENCE_LIMIT", "comparison_sentences"]


SENTENCE_LIMIT = 400
"""Display bound of one comparison sentence: two group names, two rates and the test — longer
than a data value's bound, so the test's p-value is not cut off."""


def comparison_sentences(
    breakdown: Mapping[str, Any], metric: str, *, vocabulary: Any = None
) -> list[str]:
    """Each group against the reference on ``metric`` in plain words (groups with enough data).

    A difference the significance test does not support is marked as such, so a reader does
    not take noise for a finding.
    """
    from auditor.narrative import VOCABULARIES, describe_group_comparison, format_p

    vocabulary = vocabulary or VOCABULARIES["generic"]
    reference = next((g for g in breakdown["groups"] if g.get("is_reference")), None)
    if reference is None:
        return []
    sentences = []
    for group in breakdown["groups"]:
        flags = group.get("flags", [])
        if group is reference or "insufficient_data" in flags or "empty" in flags:
            continue
        sentence = describe_group_comparison(metric, group, reference, vocabulary=vocabulary)
        if sentence is None:
            continue
        test = group.get("tests", {}).get(metric)
        if test is not None and test.get("significant") is False:
            sentence = (
                sentence[:-1] + " — within what chance alone could produce (not significant, "
                f"Holm-adjusted {format_p(test['p_adjusted'])})."
            )
        elif test is not None and test.get("p_adjusted") is not None:
            sentence = (
                sentence[:-1] + f" (significant, Holm-adjusted {format_p(test['p_adjusted'])})."
            )
        sentences.append(sentence)
    return sentences
