"""Near-duplicates: the same report as another site or another day lays it out.

Exact hashing (``govcrawl.dedupe``) misses them: a flattened table, a wrapper's leftovers, a new
date line. Character shingles of the normalised text compared by MinHash (datasketch) find them,
and the report's identity (division, year, publisher) keeps reports written on one template apart.
``Archive.store_report`` combines the two.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from datasketch import MinHash

from govcrawl.dedupe import normalize_text

#: Characters per shingle: long enough that the shared 年报 template is a small part of the set.
SHINGLE_CHARS = 5
#: MinHash permutations: the similarity estimate's standard error is about 1/sqrt(128) ≈ 0.09 at 0.5.
NUM_PERM = 128
#: Estimated Jaccard similarity from which two texts of one unit and year are the same report.
#: Measured: seed 001's DOC文库 copy vs its DOCX original 0.86; reports of two units on one
#: template (seeds 002/003) 0.15; reports of different units or years below 0.05.
NEAR_DUP_THRESHOLD = 0.7
#: Shorter normalised texts are matched exactly only: too few shingles to estimate from.
NEAR_DUP_MIN_CHARS = 200
# A fixed seed: signatures stored in the archive stay comparable across processes and releases.
_MINHASH_SEED = 20211231


def minhash_signature(text: str) -> bytes | None:
    """The MinHash signature (NUM_PERM little-endian uint64) of the text's character shingles.

    None for a text too short to compare (see ``NEAR_DUP_MIN_CHARS``).
    """
    norm = normalize_text(text)
    if len(norm) < NEAR_DUP_MIN_CHARS:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=_MINHASH_SEED)
    minhash.update_batch(
        [norm[i : i + SHINGLE_CHARS].encode("utf-8") for i in range(len(norm) - SHINGLE_CHARS + 1)]
    )
    return minhash.hashvalues.astype("<u8").tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two texts from their ``minhash_signature``s."""
    return float(np.mean(np.frombuffer(a, dtype="<u8") == np.frombuffer(b, dtype="<u8")))


def same_publisher(a: str | None, b: str | None) -> bool:
    """False only when both publishers are known and neither name contains the other.

    "济宁市任城区人民政府" and "任城区人民政府" are one publisher; a county government and its
    education bureau share a division code and year but are not.
    """
    if not a or not b:
        return True
    a, b = normalize_text(a), normalize_text(b)
    return a in b or b in a


def conflicting_values(
    a: dict[str, Decimal | int | None], b: dict[str, Decimal | int | None]
) -> list[str]:
    """The statistics keys both sides read with different numbers (blank cells are no evidence)."""
    return sorted(k for k in a.keys() & b.keys() if a[k] is not None and b[k] is not None and a[k] != b[k])
