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

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:=^&@%\"'])")


def md(value: Any, *, limit: int = MD_LIMIT) -> str:
    """``value`` as literal text inside Streamlit Markdown."""
    text = " ".join(str(value).splitlines()) if "\n" in str(value) else str(value)
    text = visible(shorten(text, limit=limit), keep_whitespace=False)
    return _SPECIAL.sub(r"\\\1", text)
