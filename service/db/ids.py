"""Row ids: UUIDv7 (RFC 9562), time-ordered, so a new row's id lands at its indexes' right edge.

A random (v4) primary key puts each insert on a random leaf page of its index: once the
indexes outgrow PostgreSQL's buffers, every completion reads pages back and writes a full
page image to the WAL for each page it is the first to touch since the last checkpoint, so
the cost per insert grows with the table. A v7 id keeps 74 random bits after a millisecond
timestamp: ids stay unguessable, and the time they reveal is the row's creation time, which
the signed credential states anyway (``validFrom``).
"""

import uuid

from uuid6 import uuid7


def new_id() -> uuid.UUID:
    """A new row id (UUIDv7), as a standard `uuid.UUID`."""
    return uuid.UUID(int=uuid7().int)
