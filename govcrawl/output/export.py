"""``govcrawl export`` writers: JSON lines, CSV and Parquet from the export records of ``Queries.export``."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from govcrawl.store.queries import EXPORT_FIELDS


def flat(record: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """An export record for a table: lists as space-separated text, nested values as JSON text, plus
    one column per requested statistics key."""
    out = dict(record)
    for name, kind in EXPORT_FIELDS.items():
        if kind == "list":
            out[name] = " ".join(record[name])
        elif kind == "json":
            out[name] = json.dumps(record[name], ensure_ascii=False)
    return out | {key: record["values"].get(key) for key in keys}


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One JSON object per line; returns the count."""
    n = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(records: Iterable[dict[str, Any]], out: TextIO, keys: list[str]) -> int:
    """A header row of ``EXPORT_FIELDS`` and ``keys``, then one row per report; returns the count."""
    writer = csv.DictWriter(out, fieldnames=[*EXPORT_FIELDS, *keys])
    writer.writeheader()
    n = 0
    for record in records:
        writer.writerow(flat(record, keys))
        n += 1
    return n


def parquet_schema(keys: list[str]) -> Any:
    """The Parquet schema of an export: ``EXPORT_FIELDS`` by their types (lists as string lists,
    nested values as JSON text), then a float column per requested key."""
    import pyarrow as pa

    types = {"int": pa.int64(), "int32": pa.int32(), "str": pa.string(), "list": pa.list_(pa.string()),
             "json": pa.string()}
    fields = [pa.field(name, types[kind]) for name, kind in EXPORT_FIELDS.items()]
    return pa.schema([*fields, *(pa.field(key, pa.float64()) for key in keys)])


def write_parquet(records: Iterable[dict[str, Any]], path: Path, keys: list[str], batch: int = 5000) -> int:
    """Write export records to a Parquet file (see :func:`parquet_schema`); returns the row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(keys)
    lists = [name for name, kind in EXPORT_FIELDS.items() if kind == "list"]
    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[dict[str, Any]] = []
        for record in records:
            chunk.append(flat(record, keys) | {name: record[name] for name in lists})
            if len(chunk) >= batch:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                rows += len(chunk)
                chunk = []
        if chunk or rows == 0:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            rows += len(chunk)
    return rows
