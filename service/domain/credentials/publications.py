"""The documents Insigne publishes, by URL: what verifiers of our own badges resolve.

Read from the database, never fetched over the network (our own public URL may not even be
reachable from this process, behind a load balancer).
"""

from typing import Any

from openbadges.models import OB_CONTEXT, to_document
from service.domain.catalogue.achievements import AchievementService
from service.domain.credentials.awards import AwardService
from service.domain.credentials.credentials import achievement_model
from service.domain.credentials.status_lists import StatusListService
from service.domain.errors import NotFound
from service.domain.issuers.issuers import IssuerService
from service.domain.texts import Said
from service.domain.urls import (
    AchievementRef,
    CredentialRef,
    IssuerRef,
    KeyRef,
    Reference,
    StatusListRef,
    Urls,
)


class Publications:
    def __init__(
        self,
        *,
        issuers: IssuerService,
        status_lists: StatusListService,
        awards: AwardService,
        achievements: AchievementService,
        urls: Urls,
    ) -> None:
        self._issuers = issuers
        self._status_lists = status_lists
        self._awards = awards
        self._achievements = achievements
        self._urls = urls

    async def achievement_document(self, slug: str) -> dict[str, Any]:
        """The OB 3.0 Achievement an issued badge's ``achievement.id`` names."""
        achievement = achievement_model(await self._achievements.get(slug), self._urls)
        return {"@context": list(OB_CONTEXT), **to_document(achievement)}

    async def document(self, ref: Reference) -> dict[str, Any]:
        """The JSON document `ref` names; NotFound when there is none a verifier may read."""
        match ref:
            case AchievementRef(slug):
                return await self.achievement_document(slug)
            case IssuerRef(slug, is_did_document=True):
                return await self._issuers.controller_document(slug)
            case IssuerRef(slug):
                return await self._issuers.profile_document(slug)
            case KeyRef(slug, name):
                return await self._issuers.public_jwk(slug, name)
            case StatusListRef(list_id):
                return (await self._status_lists.published(list_id)).document
            case CredentialRef(credential_id, suffix) if suffix in ("", ".json"):
                award = await self._awards.get(credential_id)
                if award is not None:
                    return award.document
        raise NotFound(Said("no-such-document"))

    async def hosts_issuer(self, slug: str) -> bool:
        return await self._issuers.is_hosted(slug)
