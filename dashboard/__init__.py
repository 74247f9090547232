"""Streamlit plumbing shared by the dashboard pages (session state, loading). No numbers are computed here."""
