"""The session's long-lived objects kept out of Python's full garbage collections.

Python's cyclic collector examines *every* tracked object in a full (generation 2) collection,
and starts one whenever the objects that survived since the last one reach a quarter of the
rest. A dashboard rerun leaves new long-lived objects behind (the view of a new reference, its
JSON), so on the benchmark's 1 M-row file every fourth reference change or so paid a full
collection of the whole server: ~150 ms over the ~230,000 objects of the imported libraries,
the audit, its count cube and their caches — a click that took 150 ms took 300.

Those objects live at least as long as the loaded audit. :func:`settle`, called when an audit
is loaded, collects once and then freezes them (``gc.freeze``: moved to a permanent generation
that collections skip); the full collections that follow examine only what was made since,
~10 ms. Frozen objects are still freed when nothing refers to them; only garbage *cycles* among
them wait until the next :func:`settle` (the next audit loaded, in any session), which
unfreezes everything first, so that its collection frees them: memory stays bounded.
"""

from __future__ import annotations

import gc

__all__ = ["settle"]


def settle() -> None:
    """Unfreeze, collect the garbage, then freeze every object that is left."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
