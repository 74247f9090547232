"""Build the hostile-input corpus: small files committed next to this script, large ones on demand.

``python tests/corpus/generate.py`` rewrites the small files in ``tests/corpus/files/``;
:func:`write_large` writes the big ones (a gzip bomb, a late Latin-1 byte, …) into a temporary
folder at test time, so nothing large is committed. Every file is deterministic.

The base table (used, re-delimited or re-encoded, by most cases) has two groups::

    g  y  p        a: n=3 tp=1 fp=1 tn=1 fn=0
    a  1  1        b: n=3 tp=1 fp=0 tn=1 fn=1
    a  0  1
    a  0  0
    b  1  0
    b  1  1
    b  0  0
"""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"

BASE_ROWS = [
    ("a", "1", "1"),
    ("a", "0", "1"),
    ("a", "0", "0"),
    ("b", "1", "0"),
    ("b", "1", "1"),
    ("b", "0", "0"),
]


def _table(rows, *, header=("g", "y", "p"), sep=",", newline="\n") -> str:
    lines = [sep.join(header), *(sep.join(row) for row in rows)]
    return newline.join(lines) + newline


BASE = _table(BASE_ROWS)


def small_files() -> dict[str, bytes]:
    """File name → bytes of every small corpus file."""
    rng = random.Random(8)
    files = {
        "empty.csv": b"",
        "header_only.csv": b"g,y,p\n",
        "only_newlines.csv": b"\n\n\n",
        "binary_garbage.csv": bytes(rng.randrange(256) for _ in range(4096)),
        "nul_bytes.csv": b"g,y,p\na\x00,1,1\nb,0,0\n",
        "semicolon.csv": _table(BASE_ROWS, sep=";").encode(),
        "tab.tsv": _table(BASE_ROWS, sep="\t").encode(),
        "tab_named.csv": _table(BASE_ROWS, sep="\t").encode(),
        "pipe.csv": _table(BASE_ROWS, sep="|").encode(),
        "crlf.csv": _table(BASE_ROWS, newline="\r\n").encode(),
        "latin1.csv": BASE.replace("a,", "Zoë,").encode("latin-1"),
        "utf8_bom.csv": b"\xef\xbb\xbf" + BASE.encode(),
        "utf16_bom.csv": BASE.encode("utf-16"),
        "quoted_newlines.csv": (
            b'g,y,p\n"a\nb",1,1\n"a\nb",0,1\n"a\r\nb",0,0\nc,1,0\n"c",1,1\nc,0,0\n'
        ),
        "duplicated_columns.csv": b"g,g,y,p\na,x,1,1\nb,y,0,0\n",
        "duplicated_unused_column.csv": b"x,g,x,y,p\n1,a,2,1,1\n3,b,4,0,0\n",
        "sql_column_name.csv": (
            '"x""; DROP TABLE t; --",y,p\n' + "".join(",".join(r) + "\n" for r in BASE_ROWS)
        ).encode(),
        "sql_group_values.csv": _table(
            [
                ("'); DROP TABLE auditor_source; --" if g == "a" else 'b" OR 1=1 --', y, p)
                for g, y, p in BASE_ROWS
            ]
        )
        .replace('b" OR 1=1 --', '"b"" OR 1=1 --"')
        .encode(),
        "three_classes.csv": b"g,y,p\na,0,1\nb,1,0\nc,2,1\n",
        "all_missing_label.csv": b"g,y,p\na,,1\nb,,0\n",
        "all_missing_prediction.csv": b"g,y,p\na,1,\nb,0,\n",
        "all_missing_group.csv": b"g,y,p\n,1,1\n  ,0,0\n,1,0\n",
        "single_group.csv": _table([("a", y, p) for _, y, p in BASE_ROWS]).encode(),
        "group_without_positives.csv": b"g,y,p\na,1,1\na,0,0\nb,0,0\nb,0,1\n",
        "numbers_as_strings.csv": b'g,y,p\na,"1","1.0"\na," 0 ","0.0"\nb,1.00,"0"\nb,0,1e0\n',
        "yes_no_labels.csv": b"g,y,p\na,Yes,yes\na,NO,yes\nb,yes, No \nb,no,no\n",
        "text_classes.csv": b"g,y,p\na,>50K,>50K\na,<=50K,>50K\nb,>50K,<=50K\nb,<=50K,<=50K\n",
        "ragged_rows.csv": b"g,y,p\na,1,1\na,0\nb,0,0,extra\nb,1,1\n",
        "formula_groups.csv": (
            b'g,y,p\n"=HYPERLINK(""http://x"",""y"")",1,1\n+cmd,0,0\n-1+1,1,0\n@SUM(A1),0,1\n'
            b'"\tTAB",1,1\n'
        ),
        "unicode_groups.csv": "g,y,p\n👩🏽‍⚕️,1,1\nשלום,0,0\nzero\u200bwidth,1,0\n"
        "👩🏽‍⚕️,0,1\n".encode(),
        "score_not_numeric.csv": b"g,y,s\na,1,0.9\na,0,abc\nb,1,0.2\nb,0,inf\nb,0,NaN\na,0,0.7\n",
        "bad_json.jsonl": b'{"g":"a","y":1,"p":1}\n{"g":"b","y":0,\n',
        "mixed_types.jsonl": (
            b'{"g":"a","y":1,"p":true}\n{"g":"a","y":"0","p":false}\n'
            b'{"g":1,"y":0,"p":false}\n{"g":null,"y":1,"p":true}\n'
        ),
        "bad_parquet.parquet": b"PAR1 this is not really parquet",
        "truncated.csv.gz": gzip.compress(BASE.encode() * 50, mtime=0)[:-12],
        "fake.csv.gz": b"\x1f\x8b but not really gzip",
        "identifier_as_protected.csv": (
            "id,y,p\n" + "".join(f"{i},{i % 2},{(i // 2) % 2}\n" for i in range(3000))
        ).encode(),
    }
    return files


def write_small(folder: Path = FILES) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in small_files().items():
        (folder / name).write_bytes(data)


def _gzip_member(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def write_large(folder: Path) -> dict[str, Path]:
    """Write the large cases into ``folder`` and return name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    # 6 MB of gzip that inflates to 4 GiB of one repeated row (multi-member gzip).
    line = b"a,1,1\n"
    member = _gzip_member(line * ((8 << 20) // len(line)))
    bomb = folder / "bomb_repeated_line.csv.gz"
    with bomb.open("wb") as handle:
        handle.write(_gzip_member(b"g,y,p\n"))
        for _ in range(512):
            handle.write(member)
    paths[bomb.name] = bomb

    # 1 MB of gzip that inflates to 1 GiB of zero bytes.
    zeros = folder / "bomb_zeros.csv.gz"
    zeros.write_bytes(_gzip_member(bytes(64 << 20)) * 16)
    paths[zeros.name] = zeros

    # A Latin-1 byte far past the bytes the encoding is sniffed from.
    rows = [("a", "1", "1"), ("b", "0", "0")] * 10_000
    text = _table(rows) + "Zoë,1,0\n"
    late = folder / "latin1_late.csv"
    late.write_bytes(text.encode("latin-1"))
    paths[late.name] = late

    # A third label class after the 100 000 rows the head check looks at.
    many = _table([("a", "1", "1"), ("b", "0", "0")] * 50_001) + "a,2,1\n"
    third = folder / "third_class_late.csv"
    third.write_bytes(many.encode())
    paths[third.name] = third

    # A quoted newline after the sniffed prefix (and a short row, so null padding is needed).
    tail = _table([("a", "1", "1"), ("b", "0", "0")] * 20_000) + '"a\nb",1,0\nb,1\n'
    quoted = folder / "quoted_newline_late.csv"
    quoted.write_bytes(tail.encode())
    paths[quoted.name] = quoted

    # One 3 MB row (DuckDB's line limit is 2 MB) full of a "secret" the error must not echo.
    long_line = folder / "long_line.csv"
    long_line.write_text("g,y,p\n" + "SECRET" * 500_000 + ",1,1\nb,0,0\n")
    paths[long_line.name] = long_line

    # A small gzip inflating to 1 MiB, used with a lowered AUDITOR_MAX_INFLATED_BYTES.
    modest = folder / "modest.csv.gz"
    modest.write_bytes(_gzip_member(b"g,y,p\n" + b"a,1,1\n" * ((1 << 20) // 6)))
    paths[modest.name] = modest

    # Parquet with a categorical group column, missing values and booleans.
    import pandas as pd

    frame = pd.DataFrame(
        {
            "g": pd.Categorical(["a", "a", None, "b", "b", "b"]),
            "y": [True, False, True, True, None, False],
            "p": [1, 1, 0, 0, 1, 0],
        }
    )
    parquet = folder / "categorical.parquet"
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    parquet.write_bytes(buffer.getvalue())
    paths[parquet.name] = parquet
    return paths


if __name__ == "__main__":
    write_small()
    print(f"wrote {len(small_files())} files to {FILES}")
