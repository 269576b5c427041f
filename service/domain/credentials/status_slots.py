"""Random-looking status indexes from a counter: a keyed permutation of a list's indexes.

The n-th credential of a list gets index ``permuted_index(n, key, size)``: a bijection of
``range(size)``, so counters that differ give indexes that differ, and without the key the
positions tell nothing about the order (or the time) of issuance. It is a four-round
Feistel network on the smallest even number of bits that covers ``size``, with BLAKE2b keyed
by the list's key as its round function; values that fall past ``size`` are walked through
the permutation again ("cycle walking"), which keeps it a bijection of ``range(size)``.
"""

import hashlib

_ROUNDS = 4


def permuted_index(position: int, key: bytes, size: int) -> int:
    """The index at `position` (0 ≤ position < size) of the list keyed by `key`."""
    if not 0 <= position < size:
        raise ValueError(f"position {position} is outside a list of {size}")
    half = max(1, ((size - 1).bit_length() + 1) // 2)
    mask = (1 << half) - 1
    value = position
    while True:
        left, right = value >> half, value & mask
        for round_number in range(_ROUNDS):
            digest = hashlib.blake2b(
                bytes((round_number,)) + right.to_bytes(8, "big"), key=key, digest_size=8
            ).digest()
            left, right = right, left ^ (int.from_bytes(digest, "big") & mask)
        value = (left << half) | right
        if value < size:
            return value
