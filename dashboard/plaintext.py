"""Text from the data, shown as text: Streamlit renders Markdown (and LaTeX between ``$``,
``:color[…]`` directives, emoji short codes) in titles, captions, alerts and widget labels,
so a group value ``![](http://…/pixel.png)`` made the browser fetch that image.

:func:`md` escapes every character Markdown or Streamlit gives a meaning to, joins lines, makes
control and bidi-override characters visible and shortens very long names. Use it on every name
from the data (group values, column names, file and policy names, error messages that quote
them) interpolated into a string that Streamlit renders as Markdown. No Streamlit here.
"""

from __future__ import annotations

import re
from typing import Any

from auditor.textsafety import shorten, visible

__all__ = ["MD_LIMIT", "md"]

MD_LIMIT = 200
"""Characters of one name from the data shown in running text."""

# Anywhere in a line: emphasis ('_' only at a word's edge: inside a word it is literal), code,
# links and images ([ ] — '!' and '(' mean nothing without them), HTML and entities, LaTeX,
# strikethrough, and ':' opening a word (emoji short codes, :color[…], :material/…: icons).
_SPECIAL = re.compile(
    r"([\\`*\[\]<>$~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|(?<![A-Za-z0-9]):(?=[\w/+-]))"
)
# At the start of the text (a name may open a sentence or a list item): block syntax.
_LEADING = re.compile(r"^(\s*)([#>+=|-]|\d+(?=[.)]))")


def md(value: Any, *, limit: int = MD_LIMIT) -> str:
    """``value`` as literal text inside Streamlit Markdown (one line, at most ``limit`` chars)."""
    text = str(value)
    text = " ".join(text.splitlines()) if "\n" in text or "\r" in text else text
    text = _SPECIAL.sub(r"\\\1", visible(shorten(text, limit=limit), keep_whitespace=False))
    return _LEADING.sub(_escape_leading, text)


def _escape_leading(match: re.Match[str]) -> str:
    space, mark = match.groups()
    # '1.' starts an ordered list: escape the '.' (a backslash before a digit is literal).
    return f"{space}{mark}\\" if mark[0].isdigit() else f"{space}\\{mark}"
