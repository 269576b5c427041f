"""Issuer administration for admin clients and the operator: create, read, update, list.

The visibility policy decides who may do what: a client with ``admin`` creates issuers and is
linked to each one it creates (it administers it from its next token check on), and reads or
changes only the issuers it administers; others do not exist for it (404). A parent
organisation must be one the caller administers, and the parent chain never loops.
"""

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.tables import IssuerRecord
from service.domain.catalogue.images import ImageService, StoredImage
from service.domain.clients.clients import ClientService
from service.domain.clients.visibility import Viewer
from service.domain.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from service.domain.issuers.issuers import IssuerProfile, IssuerService
from service.domain.texts import Said
from service.domain.urls import Urls

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
MAX_NAME, MAX_URL, MAX_EMAIL, MAX_DESCRIPTION = 300, 500, 320, 5000
# The fields an update may change, by their API names, and the column each one sets.
_COLUMNS = {
    "name": "name",
    "url": "url",
    "email": "email",
    "description": "description",
    "image": "image_url",
    "parentOrganisation": "parent_id",
}
_REQUIRED = frozenset({"name", "url", "email"})


@dataclass(frozen=True, kw_only=True)
class NewIssuer:
    slug: str
    name: str
    url: str
    email: str
    description: str | None = None
    image: str | None = None
    parent: str | None = None  # the parent organisation's slug


@dataclass(frozen=True)
class AdministeredIssuer:
    """An issuer as its admins see it: the profile, and the parent's slug."""

    profile: IssuerProfile
    parent: str | None


class IssuerAdministration:
    def __init__(
        self,
        session: AsyncSession,
        *,
        viewer: Viewer,
        issuers: IssuerService,
        clients: ClientService,
        images: ImageService,
        urls: Urls,
    ) -> None:
        self._session = session
        self._viewer = viewer
        self._issuers = issuers
        self._clients = clients
        self._images = images
        self._urls = urls

    async def create(
        self, new: NewIssuer, *, actor: str, logo: StoredImage | None = None
    ) -> AdministeredIssuer:
        """A new issuer and its keys; the creating client is linked to it.

        A logo given as a URL comes as `logo`, fetched and checked by the caller before this
        unit of work (`service.logos`); the issuer's image is then our copy's URL.
        """
        problems = (
            [] if SLUG.fullmatch(new.slug) else [FieldProblem("slug", Said("issuer-slug-form"))]
        )
        values = _checked(
            {
                "name": new.name,
                "url": new.url,
                "email": new.email,
                "description": new.description,
            },
            problems,
        )
        values.update(await self._image(new.image, logo, problems))
        if not self._viewer.may_create_issuer():
            raise Forbidden(Said("issuer-creation-needs-admin"))
        parent = await self._parent(new.parent, problems) if new.parent is not None else None
        if problems:
            raise InvalidInput(problems)
        profile = await self._issuers.create(slug=new.slug, **values, parent_id=parent, actor=actor)
        principal = self._viewer.principal
        if principal is not None and not self._viewer.is_operator:
            await self._clients.link_issuer(principal.id, new.slug, actor=actor)
        return AdministeredIssuer(profile, new.parent)

    async def get(self, slug: str) -> AdministeredIssuer:
        profile = await self._administered(slug)
        return (await self._with_parents([profile]))[0]

    async def issuers(self) -> list[AdministeredIssuer]:
        """The issuers the caller administers (the operator: all), by slug."""
        return await self._with_parents(await self._issuers.profiles(self._viewer.administered()))

    async def update(
        self,
        slug: str,
        changes: Mapping[str, str | None],
        *,
        actor: str,
        logo: StoredImage | None = None,
    ) -> AdministeredIssuer:
        """Change the given fields (None clears an optional one); the rest stay as they are.

        A new logo URL comes fetched and checked as `logo`, as in `create`.
        """
        profile = await self._administered(slug)
        problems = [
            FieldProblem(
                field, Said("field-not-clearable") if field in _COLUMNS else Said("field-unknown")
            )
            for field, value in changes.items()
            if field not in _COLUMNS or (field in _REQUIRED and value is None)
        ]
        given = {
            k: v
            for k, v in changes.items()
            if k in _COLUMNS and k not in ("parentOrganisation", "image")
        }
        columns: dict[str, Any] = _checked(given, problems)
        if "image" in changes:
            columns.update(await self._image(changes["image"], logo, problems))
        if "parentOrganisation" in changes:
            parent = changes["parentOrganisation"]
            columns["parent_id"] = (
                await self._parent(parent, problems, child=profile.id)
                if parent is not None
                else None
            )
        if problems:
            raise InvalidInput(problems)
        if not columns:  # nothing sent: nothing changes, nothing to audit
            return (await self._with_parents([profile]))[0]
        updated = await self._issuers.update(slug, columns, actor=actor)
        return (await self._with_parents([updated]))[0]

    async def _image(
        self, url: str | None, logo: StoredImage | None, problems: list[FieldProblem]
    ) -> dict[str, str | None]:
        """The image column: our copy of the logo, never a third party's URL."""
        if url is None:
            return {"image_url": None}
        if logo is not None:
            await self._images.store(logo)
            return {"image_url": self._urls.image(logo.sha256, logo.extension)}
        if self._urls.is_own_image(url):
            return {"image_url": url}
        found = _check("image", url)
        problems.append(
            found
            if isinstance(found, FieldProblem)
            else FieldProblem("image", Said("image-not-fetched"))
        )
        return {}

    async def _administered(self, slug: str) -> IssuerProfile:
        profile = await self._issuers.find(slug)
        if profile is None or not self._viewer.may_administer(slug):
            raise NotFound(Said("issuer-unknown", slug=slug))
        return profile

    async def _parent(
        self, slug: str, problems: list[FieldProblem], *, child: uuid.UUID | None = None
    ) -> uuid.UUID | None:
        """The parent's id; a parent the caller does not administer, or a loop, is a problem."""
        parent = await self._issuers.find(slug)
        if parent is None or not self._viewer.may_administer(slug):
            problems.append(
                FieldProblem("parentOrganisation", Said("issuer-not-administered", slug=slug))
            )
            return None
        if child is not None and child in await self._chain(parent.id):
            problems.append(FieldProblem("parentOrganisation", Said("issuer-own-ancestor")))
            return None
        return parent.id

    async def _chain(self, start: uuid.UUID) -> set[uuid.UUID]:
        """`start` and every ancestor above it (a stored loop, should one exist, ends the walk)."""
        seen: set[uuid.UUID] = set()
        current: uuid.UUID | None = start
        while current is not None and current not in seen:
            seen.add(current)
            current = await self._session.scalar(
                select(IssuerRecord.parent_id).where(IssuerRecord.id == current)
            )
        return seen

    async def _with_parents(self, profiles: list[IssuerProfile]) -> list[AdministeredIssuer]:
        ids = {p.parent_id for p in profiles if p.parent_id is not None}
        query = select(IssuerRecord.id, IssuerRecord.slug).where(IssuerRecord.id.in_(ids))
        slugs = {row[0]: row[1] for row in await self._session.execute(query)} if ids else {}
        return [
            AdministeredIssuer(p, slugs.get(p.parent_id) if p.parent_id else None) for p in profiles
        ]


def _checked(values: Mapping[str, str | None], problems: list[FieldProblem]) -> dict[str, Any]:
    """The given fields checked and normalised, by column; problems are appended."""
    columns: dict[str, Any] = {}
    for field, value in values.items():
        if value is None:
            columns[_COLUMNS[field]] = None
            continue
        found = _check(field, value)
        if isinstance(found, FieldProblem):
            problems.append(found)
        else:
            columns[_COLUMNS[field]] = found
    return columns


def _check(field: str, value: str) -> str | FieldProblem:
    """One field's stored form (text is NFC: it is signed into credentials), or its problem."""
    text = unicodedata.normalize("NFC", value).strip()
    if field == "email":
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as error:
            return FieldProblem(field, Said("email-invalid", reason=str(error)))
    if field in ("url", "image"):
        return _web_url(field, text)
    limit = MAX_NAME if field == "name" else MAX_DESCRIPTION
    if not text or len(text) > limit:
        return FieldProblem(field, Said("characters-range", most=limit))
    return text


def _web_url(field: str, url: str) -> str | FieldProblem:
    """An absolute web address: http(s) for the homepage, https only for the image."""
    schemes = ("https",) if field == "image" else ("https", "http")
    try:
        parts = urlsplit(url)
        is_absolute = bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # a malformed IPv6 literal or port
        return FieldProblem(field, Said("not-a-url"))
    if len(url) > MAX_URL or not is_absolute or any(c.isspace() or ord(c) < 32 for c in url):
        return FieldProblem(field, Said("absolute-url-form", most=MAX_URL))
    if parts.scheme not in schemes:
        return FieldProblem(
            field,
            Said("url-scheme", schemes_en=" or ".join(schemes), schemes_fr=" ou ".join(schemes)),
        )
    return url
