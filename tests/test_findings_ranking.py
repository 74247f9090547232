"""Findings are ranked strongest evidence first, then by the size of the ratio, ties in document
order; asking for the first few builds only those and gives the same ones."""

from __future__ import annotations

from auditor.findings import iter_ranked_disparities, ranked_disparities


def test_the_ranking_order_and_its_first_few(compas_audit):
    document = compas_audit.to_dict()
    ranked = ranked_disparities(document)
    assert len(ranked) > 10
    evidence = {True: 0, None: 1, False: 2}
    keys = [(evidence[d.significant], -d.strength) for d in ranked]
    assert keys == sorted(keys)
    # ties keep the order of the document (breakdowns, then groups, then metrics)
    position = {
        (tuple(b["by"]), tuple(sorted(g["key"].items())), metric): index
        for index, (b, g, metric) in enumerate(
            (b, g, m)
            for b in document["breakdowns"]
            for g in b["groups"]
            for m in ("selection_rate", "fpr", "fnr")
        )
    }
    for before, after in zip(ranked, ranked[1:], strict=False):
        if (evidence[before.significant], before.strength) == (
            evidence[after.significant],
            after.strength,
        ):
            assert (
                position[(before.by, tuple(sorted(before.group.items())), before.metric)]
                < (position[(after.by, tuple(sorted(after.group.items())), after.metric)])
            )
    assert ranked_disparities(document, limit=7) == ranked[:7]
    assert list(iter_ranked_disparities(document)) == ranked
    assert document["findings"] == [d.to_dict() for d in ranked[:10]]
