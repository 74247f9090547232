"""The dashboard's logic, importable and tested without a browser.

``state`` is the only module here that imports Streamlit (session state, loading); every other
module is a small Streamlit-free helper with one job: ``workspace`` (a session's folder, uploads
and DuckDB connection), ``mapping`` (column-role suggestions), ``policy_text``, ``formatting``,
``tables``, ``sentences``, ``views`` (audits derived from the count cube: threshold, DP release),
``scores``, ``privacy``, ``history``, ``baseline``, ``progress`` and ``export``. The core
(:mod:`auditor`) never imports this package.
"""
