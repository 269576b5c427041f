"""Telling an Open Badges 2.0 input from a verifiable credential, in any of its forms."""

import msgspec

from openbadges.baking import detect_image_kind
from openbadges.errors import BakingError, OpenBadgesError
from openbadges.jsontypes import JSONObject, loads
from openbadges.ob2.assertions import is_ob2
from openbadges.ob2.baked import extract_ob2
from openbadges.proofs.jwt import decode_jwt_unverified

__all__ = ["as_ob2"]


def as_ob2(data: JSONObject | str | bytes) -> JSONObject | str | None:
    """The OB 2.0 assertion (JSON, or a JWS / URL string) the input holds, or None."""
    if isinstance(data, bytes):
        try:
            detect_image_kind(data)
        except BakingError:
            data = data.decode("utf-8", "replace")
        else:
            try:
                payload = extract_ob2(data)
            except BakingError:
                return None
            if payload is None:
                return None
            data = payload
    if isinstance(data, str):
        return _from_text(data.strip())
    return data if is_ob2(data) else None


def _from_text(text: str) -> JSONObject | str | None:
    if text.startswith(("https://", "http://")):
        return text
    if text.startswith("{"):
        try:
            document = loads(text)
        except msgspec.DecodeError:
            return None
        return document if is_ob2(document) else None
    try:
        _, payload = decode_jwt_unverified(text)
    except OpenBadgesError:
        return None
    return text if "vc" not in payload and is_ob2(payload) else None
