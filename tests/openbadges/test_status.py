import base64
import gzip
import json
import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbadges.errors import StatusListError
from openbadges.jsontypes import JSONObject
from openbadges.status import (
    MAX_LIST_BYTES,
    MIN_BITS,
    StatusList,
    StatusReading,
    read_1edtech_revocation,
    read_status,
    status_entry,
    status_list_credential,
)

URL = "https://issuer.example/status/1"
ISSUER = "did:web:issuer.example"
VALID_FROM = "2025-01-01T00:00:00Z"

# Expectations for the published status lists, from each file's name and the credential that
# points into it (SOURCES.md): the revoked credentials' bits are set, the valid ones' are not.
# 006 is "twoOIDF-validStatus-expired" upstream: expired, but its status bit is clear.
WILD_STATUS = {
    "006-dcc-v2-di-didkey-expired": (7, False),
    "007-dcc-v2-di-didkey-revoked": (8, True),
    "009-dcc-v2-di-didweb-revoked-expired": (8, True),
    "015-dcc-v2-both-didweb-revoked": (8, True),
    "019-dcc-v1-di-didweb-valid-status": (7, False),
    "020-dcc-v1-ed2020-didweb-revoked": (6, True),
    "021-dcc-v1-both-didkey-revoked-expired": (6, True),
    "029-1edtech-bsl-revoked": (23, True),
}
WILD_TAMPERED = "013-dcc-v2-ed2020-tampered-status-list"
DCC_LIST_ENTRIES = 100_000  # the DCC fixtures' lists: 12,500 bytes, below the spec's minimum


def load(shared: Path, name: str) -> JSONObject:
    document: JSONObject = json.loads((shared / "wild-corpus" / name).read_text())
    return document


def msb_first(size: int, indices: set[int]) -> bytes:
    """The reference layout, written independently of StatusList: index 0 is bit 7 of byte 0."""
    raw = bytearray(size // 8)
    for index in indices:
        raw[index // 8] |= 1 << (7 - index % 8)
    return bytes(raw)


def encode_raw(raw: bytes, *, prefix: str = "u") -> str:
    return prefix + base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()


def issued_list(indices: set[int], purpose: Any = "revocation") -> JSONObject:
    status_list = StatusList()
    for index in indices:
        status_list.set(index)
    return status_list_credential(
        id=URL, issuer=ISSUER, purpose=purpose, status_list=status_list, valid_from=VALID_FROM
    )


def sl2021_list(raw: bytes, *, purpose: str = "revocation") -> JSONObject:
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
        ],
        "id": URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": ISSUER,
        "issuanceDate": VALID_FROM,
        "credentialSubject": {
            "id": f"{URL}#list",
            "type": "StatusList2021",
            "statusPurpose": purpose,
            "encodedList": encode_raw(raw, prefix=""),
        },
    }


# --- StatusList -------------------------------------------------------------------------------


def test_status_list_defaults_to_the_spec_minimum_all_clear() -> None:
    status_list = StatusList()
    assert len(status_list) == MIN_BITS == 131_072
    assert bytes(status_list) == bytes(16 * 1024)


@pytest.mark.parametrize("size", [0, 8, MIN_BITS - 8, MIN_BITS + 4])
def test_status_list_rejects_sizes_below_minimum_or_not_whole_bytes(size: int) -> None:
    with pytest.raises(StatusListError):
        StatusList(size)


def test_status_list_accepts_a_larger_size() -> None:
    assert len(StatusList(2 * MIN_BITS)) == 2 * MIN_BITS


def test_set_and_get_use_msb_first_bit_order() -> None:
    status_list = StatusList()
    for index in (0, 9, 15, MIN_BITS - 1):
        status_list.set(index)
    raw = bytes(status_list)
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0100_0001
    assert raw[-1] == 0b0000_0001
    assert raw == msb_first(MIN_BITS, {0, 9, 15, MIN_BITS - 1})
    assert status_list.get(9)
    assert not status_list.get(8)
    assert not status_list.get(10)


def test_set_false_clears_only_that_bit() -> None:
    status_list = StatusList()
    status_list.set(3)
    status_list.set(4)
    status_list.set(3, value=False)
    assert not status_list.get(3)
    assert status_list.get(4)
    assert bytes(status_list) == msb_first(MIN_BITS, {4})


@pytest.mark.parametrize("index", [-1, MIN_BITS, MIN_BITS + 100])
def test_get_and_set_reject_out_of_range_index(index: int) -> None:
    status_list = StatusList()
    with pytest.raises(StatusListError, match="outside"):
        status_list.get(index)
    with pytest.raises(StatusListError, match="outside"):
        status_list.set(index)


def test_encode_is_gzip_in_unpadded_multibase_base64url() -> None:
    encoded = StatusList().encode()
    assert re.fullmatch(r"uH4sI[A-Za-z0-9_-]+", encoded)  # "H4sI" is the GZIP magic 1f 8b 08
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(raw) == bytes(MIN_BITS // 8)
    assert len(encoded) < 200  # an empty 16 KiB list compresses to a few dozen bytes


def test_encode_is_deterministic() -> None:
    first, second = StatusList(), StatusList()
    first.set(42)
    second.set(42)
    assert first.encode() == second.encode()


@settings(max_examples=50, deadline=None)
@given(indices=st.sets(st.integers(0, MIN_BITS - 1), max_size=64))
def test_encode_decode_round_trip_preserves_every_bit(indices: set[int]) -> None:
    status_list = StatusList()
    for index in indices:
        status_list.set(index)
    decoded = StatusList.decode(status_list.encode())
    assert len(decoded) == MIN_BITS
    assert bytes(decoded) == msb_first(MIN_BITS, indices)
    assert all(decoded.get(index) for index in indices)


@settings(max_examples=25, deadline=None)
@given(raw=st.binary(min_size=1, max_size=64))
def test_decode_accepts_statuslist2021_base64_in_either_alphabet(raw: bytes) -> None:
    compressed = gzip.compress(raw)
    for text in (
        base64.urlsafe_b64encode(compressed).rstrip(b"=").decode(),
        base64.b64encode(compressed).decode(),  # standard alphabet, padded
    ):
        assert bytes(StatusList.decode(text)) == raw


def test_decode_joins_gzip_members() -> None:
    compressed = gzip.compress(b"\x80") + gzip.compress(b"\x01")
    encoded = "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()
    assert bytes(StatusList.decode(encoded)) == b"\x80\x01"


@pytest.fixture(scope="module")
def bomb() -> str:
    encoded = encode_raw(bytes(MAX_LIST_BYTES + 1))
    assert len(encoded) < 100_000
    return encoded


def test_decode_rejects_a_gzip_bomb_past_the_default_cap(bomb: str) -> None:
    with pytest.raises(StatusListError, match="expands past"):
        StatusList.decode(bomb)


def test_decode_stops_inflating_at_the_cap(bomb: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(StatusListError, match="expands past"):
            StatusList.decode(bomb, max_bytes=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # never the 16 MiB the bomb would expand to


def test_decode_honours_a_smaller_cap() -> None:
    encoded = StatusList().encode()
    assert len(StatusList.decode(encoded, max_bytes=MIN_BITS // 8)) == MIN_BITS
    with pytest.raises(StatusListError, match="expands past"):
        StatusList.decode(encoded, max_bytes=MIN_BITS // 8 - 1)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "u",
        "u!!!!",
        "uH4sI=",  # padding is not allowed after the multibase prefix
        "uH4sI+AAA",  # standard alphabet is not allowed after the multibase prefix
        "uA",  # a length base64 cannot produce
        "uH4sI AAAA",
        "not base64 at all",
    ],
)
def test_decode_rejects_malformed_base64(encoded: str) -> None:
    with pytest.raises(StatusListError):
        StatusList.decode(encoded)


def test_decode_rejects_data_that_is_not_gzip() -> None:
    with pytest.raises(StatusListError, match="not GZIP"):
        StatusList.decode("u" + base64.urlsafe_b64encode(b"plain bytes").decode().rstrip("="))


def test_decode_rejects_truncated_gzip() -> None:
    compressed = gzip.compress(bytes(MIN_BITS // 8))[:-8]  # drop the CRC32 and ISIZE trailer
    encoded = "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")
    with pytest.raises(StatusListError, match="truncated"):
        StatusList.decode(encoded)


def test_decode_rejects_gzip_with_a_bad_checksum() -> None:
    compressed = bytearray(gzip.compress(bytes(64)))
    compressed[-5] ^= 0xFF  # inside the CRC32
    encoded = "u" + base64.urlsafe_b64encode(bytes(compressed)).decode().rstrip("=")
    with pytest.raises(StatusListError, match="not GZIP"):
        StatusList.decode(encoded)


def test_decode_rejects_an_empty_bitstring() -> None:
    with pytest.raises(StatusListError, match="empty"):
        StatusList.decode(encode_raw(b""))


# --- issuing ----------------------------------------------------------------------------------


def test_status_entry_is_a_bitstring_status_list_entry_with_a_string_index() -> None:
    assert status_entry(URL, 94567, "suspension") == {
        "id": f"{URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "94567",
        "statusListCredential": URL,
    }


def test_status_entry_rejects_a_negative_index() -> None:
    with pytest.raises(StatusListError):
        status_entry(URL, -1, "revocation")


def test_status_list_credential_has_the_spec_shape() -> None:
    status_list = StatusList()
    status_list.set(5)
    credential = status_list_credential(
        id=URL,
        issuer=ISSUER,
        purpose="revocation",
        status_list=status_list,
        valid_from=VALID_FROM,
        valid_until="2025-02-01T00:00:00Z",
    )
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "validFrom": VALID_FROM,
        "validUntil": "2025-02-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": status_list.encode(),
        },
    }


def test_status_list_credential_omits_valid_until_when_not_given() -> None:
    assert "validUntil" not in issued_list(set())


def test_status_list_credential_rejects_a_list_below_the_minimum() -> None:
    short = StatusList.decode(encode_raw(bytes(1000)))
    with pytest.raises(StatusListError, match=">= 131072"):
        status_list_credential(
            id=URL, issuer=ISSUER, purpose="revocation", status_list=short, valid_from=VALID_FROM
        )


# --- reading ----------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    indices=st.sets(st.integers(0, MIN_BITS - 1), max_size=16),
    probe=st.integers(0, MIN_BITS - 1),
)
def test_read_status_round_trips_issued_entries(indices: set[int], probe: int) -> None:
    list_credential = issued_list(indices)
    for index in {*indices, probe}:
        reading = read_status(status_entry(URL, index, "revocation"), list_credential)
        assert reading == StatusReading("revocation", index, index in indices, URL)


def test_read_status_accepts_a_list_with_several_purposes() -> None:
    list_credential = issued_list({3})
    list_credential["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    reading = read_status(status_entry(URL, 3, "suspension"), list_credential)
    assert reading.is_set
    assert reading.purpose == "suspension"


def test_read_status_rejects_a_purpose_mismatch() -> None:
    with pytest.raises(StatusListError, match="statusPurpose"):
        read_status(status_entry(URL, 3, "suspension"), issued_list({3}))


def test_read_status_rejects_a_list_whose_id_is_not_the_entry_url() -> None:
    entry = status_entry("https://elsewhere.example/status/9", 3, "revocation")
    with pytest.raises(StatusListError, match="id"):
        read_status(entry, issued_list({3}))
    assert read_status(entry, issued_list({3}), is_list_id_checked=False).is_set


def test_read_status_rejects_a_list_without_id_when_checking() -> None:
    list_credential = issued_list({3})
    del list_credential["id"]
    with pytest.raises(StatusListError, match="id"):
        read_status(status_entry(URL, 3, "revocation"), list_credential)


def test_read_status_accepts_status_size_one() -> None:
    entry = status_entry(URL, 3, "revocation") | {"statusSize": 1}
    assert read_status(entry, issued_list({3})).is_set


@pytest.mark.parametrize("size", [2, 8])
def test_read_status_rejects_multi_bit_entries_as_unsupported(size: int) -> None:
    entry = status_entry(URL, 3, "revocation") | {"statusSize": size}
    with pytest.raises(StatusListError, match="not supported"):
        read_status(entry, issued_list({3}))
    list_credential = issued_list({3})
    list_credential["credentialSubject"]["statusSize"] = size
    with pytest.raises(StatusListError, match="not supported"):
        read_status(status_entry(URL, 3, "revocation"), list_credential)


@pytest.mark.parametrize("size", [0, -1, "1", True, 1.0])
def test_read_status_rejects_malformed_status_size(size: object) -> None:
    entry = status_entry(URL, 3, "revocation") | {"statusSize": size}
    with pytest.raises(StatusListError, match="positive integer"):
        read_status(entry, issued_list({3}))


@pytest.mark.parametrize(
    "index", ["-1", "1.5", "abc", " 7", "7 ", "+7", "", "\u0663", "1" * 21, None, True, -1, 2.0]
)
def test_read_status_rejects_a_malformed_index(index: object) -> None:
    entry = status_entry(URL, 3, "revocation") | {"statusListIndex": index}
    with pytest.raises(StatusListError, match="statusListIndex"):
        read_status(entry, issued_list({3}))


def test_read_status_accepts_an_integer_index_as_1edtech_publishes() -> None:
    entry = status_entry(URL, 3, "revocation") | {"statusListIndex": 3}
    assert read_status(entry, issued_list({3})).index == 3


@pytest.mark.parametrize("index", [str(MIN_BITS), "99999999999999999999"])
def test_read_status_rejects_an_index_past_the_list(index: str) -> None:
    entry = status_entry(URL, 0, "revocation") | {"statusListIndex": index}
    with pytest.raises(StatusListError, match="outside"):
        read_status(entry, issued_list(set()))


def test_read_status_rejects_a_list_below_the_minimum_unless_allowed() -> None:
    list_credential = issued_list(set())
    list_credential["credentialSubject"]["encodedList"] = encode_raw(msb_first(8000, {7}))
    entry = status_entry(URL, 7, "revocation")
    with pytest.raises(StatusListError, match="entries"):
        read_status(entry, list_credential)
    assert read_status(entry, list_credential, min_entries=8000).is_set


def test_read_status_reads_a_statuslist2021_list_without_multibase_prefix() -> None:
    entry = status_entry(URL, 12, "revocation") | {"type": "StatusList2021Entry"}
    list_credential = sl2021_list(msb_first(MIN_BITS, {12}))
    assert not list_credential["credentialSubject"]["encodedList"].startswith("u")
    assert read_status(entry, list_credential) == StatusReading("revocation", 12, True, URL)
    assert not read_status(entry | {"statusListIndex": "13"}, list_credential).is_set


def test_read_status_rejects_mixed_status_methods() -> None:
    bitstring_entry = status_entry(URL, 12, "revocation")
    with pytest.raises(StatusListError, match="BitstringStatusListCredential"):
        read_status(bitstring_entry, sl2021_list(bytes(MIN_BITS // 8)))
    with pytest.raises(StatusListError, match="StatusList2021Credential"):
        read_status(bitstring_entry | {"type": "StatusList2021Entry"}, issued_list(set()))


def test_read_status_rejects_a_bitstring_list_without_multibase_prefix() -> None:
    list_credential = issued_list(set())
    list_credential["credentialSubject"]["encodedList"] = encode_raw(
        bytes(MIN_BITS // 8), prefix=""
    )
    with pytest.raises(StatusListError, match="start with 'u'"):
        read_status(status_entry(URL, 0, "revocation"), list_credential)


@pytest.mark.parametrize(
    "entry_type",
    ["RevocationList2020Status", "1EdTechRevocationList", None, ["BitstringStatusListEntry"]],
)
def test_read_status_rejects_other_entry_types(entry_type: object) -> None:
    entry = status_entry(URL, 0, "revocation") | {"type": entry_type}
    with pytest.raises(StatusListError, match="unsupported"):
        read_status(entry, issued_list(set()))


@pytest.mark.parametrize(
    ("member", "value"),
    [("type", "StatusList2021"), ("type", None), ("encodedList", None), ("encodedList", 7)],
)
def test_read_status_rejects_a_malformed_list_subject(member: str, value: object) -> None:
    list_credential = issued_list(set())
    list_credential["credentialSubject"][member] = value
    with pytest.raises(StatusListError):
        read_status(status_entry(URL, 0, "revocation"), list_credential)


def test_read_status_rejects_a_subject_that_is_not_an_object() -> None:
    list_credential = issued_list(set())
    list_credential["credentialSubject"] = [list_credential["credentialSubject"]]
    with pytest.raises(StatusListError, match="subject"):
        read_status(status_entry(URL, 0, "revocation"), list_credential)


@pytest.mark.parametrize("member", ["statusPurpose", "statusListCredential"])
def test_read_status_rejects_an_entry_missing_a_member(member: str) -> None:
    entry = status_entry(URL, 0, "revocation")
    del entry[member]
    with pytest.raises(StatusListError, match=member):
        read_status(entry, issued_list(set()))


# --- the wild corpus --------------------------------------------------------------------------


def test_wild_expectations_cover_every_published_status_list(shared: Path) -> None:
    published = {
        p.name.removesuffix(".status.json") for p in (shared / "wild-corpus").glob("*.status.json")
    }
    assert published == {*WILD_STATUS, WILD_TAMPERED}
    for name, (_, is_revoked) in WILD_STATUS.items():
        assert ("revoked" in name) == is_revoked, name


@pytest.mark.parametrize(("name", "expected"), WILD_STATUS.items(), ids=list(WILD_STATUS))
def test_wild_credential_status_reads_as_its_name_says(
    shared: Path, name: str, expected: tuple[int, bool]
) -> None:
    entry = load(shared, f"{name}.json")["credentialStatus"]
    list_credential = load(shared, f"{name}.status.json")
    # The fixtures' lists were republished at URLs other than their own ids, and the DCC ones
    # hold 100,000 entries: both checks must be relaxed to read them at all.
    reading = read_status(
        entry, list_credential, min_entries=DCC_LIST_ENTRIES, is_list_id_checked=False
    )
    assert (reading.index, reading.is_set) == expected
    assert reading.purpose == "revocation"
    assert reading.list_credential_url == entry["statusListCredential"]


def test_wild_status_lists_fail_the_strict_defaults(shared: Path) -> None:
    name = "007-dcc-v2-di-didkey-revoked"
    entry = load(shared, f"{name}.json")["credentialStatus"]
    list_credential = load(shared, f"{name}.status.json")
    with pytest.raises(StatusListError, match="id"):
        read_status(entry, list_credential, min_entries=DCC_LIST_ENTRIES)
    with pytest.raises(StatusListError, match="100000 entries"):
        read_status(entry, list_credential, is_list_id_checked=False)


def test_wild_1edtech_list_has_the_spec_minimum(shared: Path) -> None:
    name = "029-1edtech-bsl-revoked"
    entry = load(shared, f"{name}.json")["credentialStatus"]
    reading = read_status(entry, load(shared, f"{name}.status.json"), is_list_id_checked=False)
    assert reading.is_set


def test_wild_tampered_status_list_does_not_decode(shared: Path) -> None:
    entry = load(shared, f"{WILD_TAMPERED}.json")["credentialStatus"]
    list_credential = load(shared, f"{WILD_TAMPERED}.status.json")
    with pytest.raises(StatusListError, match="base64"):
        read_status(entry, list_credential, min_entries=DCC_LIST_ENTRIES, is_list_id_checked=False)


# --- 1EdTech Revocation List ------------------------------------------------------------------


def revocation_list(entry: JSONObject, *items: JSONObject) -> JSONObject:
    return {
        "@context": ["https://purl.imsglobal.org/spec/vcrl/v1p0/context.json"],
        "id": entry["id"],
        "issuer": ISSUER,
        "revokedCredentials": list(items),
    }


@pytest.fixture
def wild_1edtech(shared: Path) -> tuple[JSONObject, str]:
    credential = load(shared, "031-1edtech-didweb-1edtech-revocation-list.json")
    return credential["credentialStatus"], credential["id"]


def test_1edtech_listed_credential_is_revoked(wild_1edtech: tuple[JSONObject, str]) -> None:
    entry, credential_id = wild_1edtech
    listed = revocation_list(
        entry, {"id": "urn:uuid:other"}, {"id": credential_id, "revocationReason": "x"}
    )
    assert read_1edtech_revocation(entry, listed, credential_id)
    explicit = revocation_list(entry, {"id": credential_id, "revoked": True})
    assert read_1edtech_revocation(entry, explicit, credential_id)


def test_1edtech_reinstated_or_unlisted_credential_is_not_revoked(
    wild_1edtech: tuple[JSONObject, str],
) -> None:
    entry, credential_id = wild_1edtech
    reinstated = revocation_list(entry, {"id": credential_id, "revoked": False})
    assert not read_1edtech_revocation(entry, reinstated, credential_id)
    other = revocation_list(entry, {"id": "urn:uuid:other"})
    assert not read_1edtech_revocation(entry, other, credential_id)
    empty = revocation_list(entry)
    del empty["revokedCredentials"]
    assert not read_1edtech_revocation(entry, empty, credential_id)


def test_1edtech_rejects_a_list_with_another_id(wild_1edtech: tuple[JSONObject, str]) -> None:
    entry, credential_id = wild_1edtech
    moved = revocation_list(entry, {"id": credential_id}) | {"id": "https://elsewhere.example/"}
    with pytest.raises(StatusListError, match="id"):
        read_1edtech_revocation(entry, moved, credential_id)
    assert read_1edtech_revocation(entry, moved, credential_id, is_list_id_checked=False)


@pytest.mark.parametrize(
    "revoked_credentials", [{"id": "x"}, ["urn:uuid:x"], [{"id": "x", "revoked": "true"}]]
)
def test_1edtech_rejects_a_malformed_list(
    wild_1edtech: tuple[JSONObject, str], revoked_credentials: object
) -> None:
    entry, credential_id = wild_1edtech
    malformed = revocation_list(entry) | {"revokedCredentials": revoked_credentials}
    with pytest.raises(StatusListError, match="revokedCredentials"):
        read_1edtech_revocation(entry, malformed, credential_id)


def test_1edtech_rejects_other_entry_types(wild_1edtech: tuple[JSONObject, str]) -> None:
    _, credential_id = wild_1edtech
    entry = status_entry(URL, 0, "revocation")
    with pytest.raises(StatusListError, match="1EdTechRevocationList"):
        read_1edtech_revocation(entry, {"id": URL}, credential_id)


def test_1edtech_entry_of_the_complete_example_is_read_the_same_way(shared: Path) -> None:
    credential = load(shared, "030-1edtech-complete.json")
    entry = credential["credentialStatus"]
    listed = revocation_list(entry, {"id": credential["id"]})
    assert read_1edtech_revocation(entry, listed, credential["id"])
