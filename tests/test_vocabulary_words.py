"""The domain's words: named once (API, CLI), carried in the JSON, used by sentences, headers,
charts and the PDF."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import auditor
from auditor.errors import InputError
from auditor.narrative import describe_group_comparison, largest_disparities
from auditor.report import audit_pdf_bytes
from auditor.vocabulary import metric_label, vocabulary_from_dict, vocabulary_from_names

from .cli_run import run_cli

ROOT = Path(__file__).resolve().parent.parent


def _credit_frame() -> pd.DataFrame:
    """Women with good credit denied more often than men with good credit. As in the German
    credit data, the model predicts the label's classes: approved = predicted "good"."""
    rows = []
    for sex, good_denied, good_approved in (("Female", 24, 76), ("Male", 10, 90)):
        rows += [{"sex": sex, "credit": "good", "decision": "bad"}] * good_denied
        rows += [{"sex": sex, "credit": "good", "decision": "good"}] * good_approved
        rows += [{"sex": sex, "credit": "bad", "decision": "bad"}] * 40
        rows += [{"sex": sex, "credit": "bad", "decision": "good"}] * 20
    return pd.DataFrame(rows)


WORDS = vocabulary_from_names(
    decision="approved", not_decision="denied", outcome="good credit", people="applicants"
)


def test_names_become_phrases_for_verbs_and_noun_phrases():
    assert WORDS.predicted_positive == "were approved"
    assert WORDS.predicted_negative == "were denied"
    assert WORDS.actual_positive == "had good credit"
    assert WORDS.actual_negative == "did not have good credit"
    repaid = vocabulary_from_names(decision="flagged high risk", outcome="repaid")
    assert repaid.actual_positive == "repaid"
    assert repaid.actual_negative == "had not repaid"
    assert repaid.predicted_negative == "were not flagged high risk"


def test_metric_labels_use_the_words_and_keep_the_statistical_name():
    assert metric_label("selection_rate", WORDS) == "approved (selection rate)"
    assert metric_label("fnr", WORDS) == (
        "denied among those who had good credit (false negative rate)"
    )
    assert metric_label("fpr") == "false positive rate"
    assert metric_label("ppv", WORDS) == "precision (PPV)"


def test_sentences_read_in_the_words_women_not_female_people():
    result = auditor.audit(
        _credit_frame(),
        label="credit",
        prediction="decision",
        protected="sex",
        positive_label="good",
        vocabulary=vocabulary_from_names(
            decision="approved", not_decision="denied", outcome="good credit"
        ),
    )
    document = result.to_dict()
    breakdown = document["breakdowns"][0]
    women = next(g for g in breakdown["groups"] if g["key"]["sex"] == "Female")
    men = next(g for g in breakdown["groups"] if g["key"]["sex"] == "Male")
    sentence = describe_group_comparison(
        "fnr", women, men, vocabulary=vocabulary_from_dict(document["vocabulary"])
    )
    assert sentence == (
        "women who had good credit were denied 2.4× as often as men who had good credit "
        "(24.0% vs 10.0%)."
    )


def test_the_json_carries_the_words_and_an_older_document_still_reads():
    result = auditor.audit(
        _credit_frame(),
        label="credit",
        prediction="decision",
        protected="sex",
        positive_label="good",
        vocabulary=WORDS,
    )
    document = json.loads(json.dumps(result.to_dict()))
    assert document["vocabulary"]["decision"] == "approved"
    assert vocabulary_from_dict(document["vocabulary"]) == WORDS
    # a reaudit (dashboard interaction) keeps them
    assert auditor.reaudit(result, reference={"sex": "Female"}).vocabulary == WORDS
    assert vocabulary_from_dict(None) == vocabulary_from_names()


def test_the_pdf_uses_the_documents_words(tmp_path):
    import pypdf

    result = auditor.audit(
        _credit_frame(),
        label="credit",
        prediction="decision",
        protected="sex",
        positive_label="good",
        vocabulary=WORDS,
    )
    target = tmp_path / "audit.pdf"
    target.write_bytes(audit_pdf_bytes(result.to_dict(), charts=False))
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(target).pages)
    text = " ".join(text.split())
    assert "applicants who had good credit were denied" in text
    assert "Selection rate = share approved" in text


def test_overlong_or_half_given_names_are_refused():
    with pytest.raises(InputError, match="longer than 60"):
        vocabulary_from_names(decision="x" * 61)
    with pytest.raises(InputError, match="give both"):
        vocabulary_from_names(not_decision="denied")


def test_findings_use_the_words():
    result = auditor.audit(
        _credit_frame(),
        label="credit",
        prediction="decision",
        protected="sex",
        positive_label="good",
        vocabulary=WORDS,
    )
    sentences = [f.sentence for f in largest_disparities(result.to_dict(), vocabulary=WORDS)]
    assert any("were denied" in s or "were approved" in s for s in sentences), sentences


def test_the_cli_takes_the_words_and_documents_them(tmp_path):
    data = tmp_path / "credit.csv"
    _credit_frame().to_csv(data, index=False)
    out = tmp_path / "audit.json"
    run = run_cli(
        "audit",
        str(data),
        "--label",
        "credit",
        "--prediction",
        "decision",
        "--positive-label",
        "good",
        "--protected",
        "sex",
        "--decision-name",
        "approved",
        "--decision-opposite",
        "denied",
        "--outcome-name",
        "good credit",
        "--people-name",
        "applicants",
        "--json",
        str(out),
        "--quiet",
    )
    assert run.returncode == 0, run.stderr
    document = json.loads(out.read_text())
    assert document["vocabulary"]["not_decision"] == "denied"
    assert document["vocabulary"]["people"] == "applicants"
    assert document["options"]["decision_favourable"] is True
    help_text = run_cli("audit", "--help").stdout
    for option in ("--decision-name", "--outcome-name", "--decision-direction"):
        assert option in help_text
