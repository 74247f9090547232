"""Count cubes as files, and sums of cubes: shards counted apart, audited together.

``auditor cube FILE … --out cube.parquet`` writes the finest count table with the column
mapping and the fingerprint of every input; ``auditor audit a.parquet b.parquet …`` sums
cubes and audits the sum. Counts are integers, so a sum of exact cubes is exactly the cube of
the union of the inputs. Cubes merge only when they were counted with the same mapping (label,
prediction or score and threshold, positive label, protected attributes).

A cube file holds exact counts of real people: it is as sensitive as the data it counts.

Privacy accounting of a merged audit (``--epsilon``): the merged cube is released once, with
noise calibrated to sensitivity 1 — one person is one row of one input, so adding or removing
that person changes one cell of the sum by one. That single release is ε-DP with respect to
*each* input data set, so it spends ε of the budget of every input: with ``--store`` the
release is charged to the data set of each cube file (recognised by the content of its cube,
or named with one ``--dataset-name`` per input) in one serialised ledger transaction, and
refused as a whole if any of them lacks the budget. This assumes the inputs hold different
people (shards, or disjoint periods); the same input twice is refused, but overlapping inputs
cannot be detected and would need ε × (number of inputs a person is in).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .atomic import atomic_path
from .counting import Counted, CubeInput
from .cube import CountCube
from .engine import connect
from .errors import InputError
from .ingest import ColumnMapping, Fingerprint
from .sql import quote_literal
from .version import __version__

__all__ = [
    "CUBE_SCHEMA",
    "MAPPING_FIELDS",
    "count_cube",
    "is_cube_file",
    "merge_counted",
    "read_cube",
    "write_cube",
]

CUBE_SCHEMA = "auditor/cube-v1"
_METADATA_KEY = "auditor.cube"
MAPPING_FIELDS = (  # what a cube was counted with (saved with it, compared on merge)
    "label",
    "prediction",
    "score",
    "threshold",
    "positive_label",
    "positive_prediction",
    "protected",
)


def _inputs_of(counted: Counted) -> tuple[CubeInput, ...]:
    if counted.inputs:
        return counted.inputs
    return (
        CubeInput(
            source=counted.source,
            format=counted.format,
            engine=counted.engine,
            sha256=counted.fingerprint.sha256,
            size_bytes=counted.fingerprint.size_bytes,
            fingerprint_method=counted.fingerprint.method,
            rows=counted.cube.rows,
        ),
    )


def write_cube(counted: Counted, path: str | os.PathLike) -> Path:
    """Write ``counted``'s finest cells, mapping and input fingerprints to a Parquet file."""
    cube = counted.cube
    if cube.is_private:
        raise InputError("a released (noisy) cube cannot be saved as a count cube")
    if cube.cells is None:
        raise InputError(
            "this cube has too many cells to be saved as one table (it was counted breakdown "
            "by breakdown): save fewer protected attributes at a time"
        )
    if cube.second_prediction is not None:
        raise InputError("a cube with a second prediction cannot be saved: count one model")
    cells = cube.cells.rename(columns={name: f"a{i}" for i, name in enumerate(cube.attributes)})
    metadata = {
        "schema": CUBE_SCHEMA,
        "tool_version": __version__,
        "mapping": {
            name: (
                list(getattr(counted.mapping, name))
                if name == "protected"
                else getattr(counted.mapping, name)
            )
            for name in MAPPING_FIELDS
        },
        "attributes": list(cube.attributes),
        "has_score": cube.has_score,
        "has_label": cube.has_label,
        "rows": cube.rows,
        "rows_excluded": cube.rows_excluded,
        "exclusions": dict(cube.exclusions),
        "inputs": [item.to_dict() for item in _inputs_of(counted)],
    }
    target = Path(path)
    # DuckDB writes a temporary file next to the target, renamed over it once complete: a
    # failed or killed write leaves no half cube under the final name.
    with atomic_path(target) as temporary, connect() as con:
        con.register("cube_cells", cells.reset_index(drop=True))
        try:
            con.execute(
                f"COPY cube_cells TO {quote_literal(str(temporary))} (FORMAT parquet, "
                f"KV_METADATA {{{quote_literal(_METADATA_KEY)}: "
                f"{quote_literal(json.dumps(metadata))}}})"
            )
        except duckdb.IOException as error:  # a full disk, a quota: say so, about the target
            reason = "the disk is full or the file is over a size limit"
            if "File too large" not in str(error) and "No space" not in str(error):
                reason = str(error).splitlines()[0][:200]
            raise InputError(
                f"cannot write the cube to '{target}': {reason}; free space or choose another path"
            ) from None
    return target


def _metadata(path: str | os.PathLike) -> dict[str, Any] | None:
    with connect() as con:
        try:
            rows = con.execute(
                "SELECT value FROM parquet_kv_metadata(?) WHERE decode(key) = ?",
                [str(path), _METADATA_KEY],
            ).fetchall()
        except duckdb.Error:
            return None
    return json.loads(bytes(rows[0][0]).decode()) if rows else None


def _footer_may_hold_key(path: Path) -> bool:
    """False only when ``path`` is a plain Parquet file whose footer surely lacks the cube's
    metadata key (footer keys are stored as raw bytes), so that an ordinary data file is told
    apart without opening a DuckDB connection (~30 ms of an audit); True when unsure."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size < 12:
                return True
            handle.seek(size - 8)
            tail = handle.read(8)
            length = int.from_bytes(tail[:4], "little")
            if tail[4:] != b"PAR1" or length > size - 12:
                return True  # encrypted footer ("PARE") or not Parquet: let DuckDB say
            handle.seek(size - 8 - length)
            return _METADATA_KEY.encode() in handle.read(length)
    except OSError:
        return True


def is_cube_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a cube written by :func:`write_cube` (reads only the footer)."""
    candidate = Path(path)
    if not candidate.is_file() or candidate.suffix.lower() not in (".parquet", ".pq", ".parq"):
        return False
    if not _footer_may_hold_key(candidate):
        return False
    return _metadata(candidate) is not None


def read_cube(path: str | os.PathLike) -> Counted:
    """The cube saved at ``path``, with its mapping and inputs."""
    metadata = _metadata(path)
    if metadata is None:
        raise InputError(f"'{path}' is not a count cube written by 'auditor cube'")
    if metadata.get("schema") != CUBE_SCHEMA:
        raise InputError(
            f"cube '{path}' has schema {metadata.get('schema')!r}; this auditor reads "
            f"{CUBE_SCHEMA!r}: count it again with this version"
        )
    attributes = tuple(metadata["attributes"])
    with connect() as con:
        cells = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
    cells = cells.rename(columns={f"a{i}": name for i, name in enumerate(attributes)})
    for name in attributes:
        cells[name] = cells[name].astype("string").astype(object)
    counts = [c for c in ("y", "yhat", "n") if c in cells.columns]
    cells[counts] = cells[counts].astype("int64")
    mapping_fields = dict(metadata["mapping"])
    mapping_fields["protected"] = tuple(mapping_fields["protected"])
    mapping = ColumnMapping(**mapping_fields)
    cube = CountCube(
        attributes=attributes,
        cells=cells,
        rows=int(metadata["rows"]),
        rows_excluded=int(metadata["rows_excluded"]),
        exclusions={k: int(v) for k, v in metadata["exclusions"].items()},
        has_score=bool(metadata["has_score"]),
        has_label=bool(metadata.get("has_label", True)),
        score_column=mapping.score,
        threshold=mapping.threshold,
    )
    inputs = tuple(CubeInput(**item) for item in metadata["inputs"])
    return Counted(
        cube=cube,
        mapping=mapping,
        fingerprint=_combined_fingerprint(inputs),
        source=str(path),
        format="cube",
        engine=inputs[0].engine if len(inputs) == 1 else "cube",
        inputs=inputs,
    )


def _combined_fingerprint(inputs: Sequence[CubeInput]) -> Fingerprint:
    """One input: its own fingerprint (so its privacy budget is the same data set's).
    Several: a SHA-256 over their sorted fingerprints."""
    if len(inputs) == 1:
        only = inputs[0]
        return Fingerprint(only.sha256, only.size_bytes, only.fingerprint_method)
    if any(item.sha256 is None for item in inputs):
        return Fingerprint(None, None, "none: an input of the merged cube has no fingerprint")
    digest = hashlib.sha256("".join(f"{i.sha256}\n" for i in sorted_inputs(inputs)).encode())
    sizes = [item.size_bytes for item in inputs]
    return Fingerprint(
        digest.hexdigest(),
        None if None in sizes else sum(sizes),
        f"sha256 over the sorted fingerprints of {len(inputs)} inputs (listed under 'inputs')",
    )


def sorted_inputs(inputs: Sequence[CubeInput]) -> list[CubeInput]:
    return sorted(inputs, key=lambda item: (item.sha256 or "", item.source))


def _describe(mapping: ColumnMapping) -> dict[str, Any]:
    return {name: getattr(mapping, name) for name in MAPPING_FIELDS}


def merge_counted(parts: Sequence[Counted]) -> Counted:
    """The sum of cubes counted with the same mapping; their inputs are listed together."""
    if not parts:
        raise InputError("no cube to merge: pass at least one cube file")
    first = parts[0]
    for other in parts[1:]:
        left, right = _describe(first.mapping), _describe(other.mapping)
        differences = [name for name in MAPPING_FIELDS if left[name] != right[name]]
        if differences:
            name = differences[0]
            raise InputError(
                f"cubes '{first.source}' and '{other.source}' were counted with different "
                f"mappings ({name} {left[name]!r} vs {right[name]!r}): cubes merge only when "
                "counted with the same label, prediction, score, threshold, positive label "
                "and protected attributes"
            )
    inputs = tuple(item for part in parts for item in _inputs_of(part))
    seen: dict[str, str] = {}
    for item in inputs:
        if item.sha256 is not None and item.sha256 in seen:
            raise InputError(
                f"the same data ({item.sha256[:12]}…) is in '{seen[item.sha256]}' and "
                f"'{item.source}': a merged cube would count its rows twice"
            )
        if item.sha256 is not None:
            seen[item.sha256] = item.source
    if len(parts) == 1:
        return first
    cubes = [part.cube for part in parts]
    keys = [c for c in cubes[0].cells.columns if c != "n"]
    cells = (
        pd.concat([cube.cells for cube in cubes], ignore_index=True)
        .groupby(keys, as_index=False, dropna=False, observed=True)["n"]
        .sum()
    )
    cells["n"] = cells["n"].astype("int64")
    exclusions: dict[str, int] = {}
    for cube in cubes:
        for name, value in cube.exclusions.items():
            exclusions[name] = exclusions.get(name, 0) + int(value)
    merged = replace(
        cubes[0],
        cells=cells,
        rows=sum(cube.rows for cube in cubes),
        rows_excluded=sum(cube.rows_excluded for cube in cubes),
        exclusions=exclusions,
        _cache={},
    )
    return Counted(
        cube=merged,
        mapping=first.mapping,
        fingerprint=_combined_fingerprint(inputs),
        source=", ".join(part.source for part in parts),
        format="cube",
        engine="cube",
        inputs=inputs,
        parts=tuple((part.cube, part.source) for part in parts),
    )


def count_cube(
    sources: Sequence[Any],
    *,
    label: str,
    protected: str | Sequence[str],
    prediction: str | None = None,
    score: str | None = None,
    threshold: float | None = None,
    positive_label: str | None = None,
    positive_prediction: str | None = None,
    engine: str = "duckdb",
    **options: Any,
) -> Counted:
    """Count ``sources`` into one cube (to save with :func:`write_cube`).

    DuckDB counts each source on its own and sums the cubes, so every file keeps its own
    fingerprint; Spark reads all the paths as one input in one aggregation.
    """
    from .counting import count_source, is_spark_frame

    mapping = ColumnMapping(
        label=label,
        protected=(protected,) if isinstance(protected, str) else tuple(protected),
        prediction=prediction,
        score=score,
        threshold=threshold,
        positive_label=positive_label,
        positive_prediction=positive_prediction,
    )
    sources = list(sources)
    if engine == "spark" and not any(is_spark_frame(s) for s in sources):
        paths = [os.fspath(s) for s in sources]
        return count_source(paths, mapping, engine="spark", **options)
    return merge_counted(
        [count_source(source, mapping, engine=engine, **options) for source in sources]
    )
