"""The one exception extraction raises for bad input."""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal[
    "empty",
    "unsupported",
    "corrupt",
    "truncated",
    "encrypted",
    "too_large",
    "zip_bomb",
    "timeout",
    "converter",
    "mojibake",
    "crashed",
]


class ExtractionError(Exception):
    """Bytes that cannot be turned into a document; ``kind`` says why (see :data:`ErrorKind`)."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
