"""Key administration for an issuer's admins: rotate, and mark a key compromised.

The visibility policy decides who administers which issuer; the operator (the command line)
administers every one. Rotated and compromised keys stay published, so every credential
ever issued can still be checked: proofs a compromised key made before its date verify,
later ones fail (`service.domain.verification.verifications`, check ``key-compromise``).
"""

from datetime import datetime

from service.domain.clients.visibility import Viewer
from service.domain.errors import NotFound
from service.domain.issuers.issuers import IssuerService
from service.domain.texts import Said


class KeyAdministration:
    def __init__(self, *, viewer: Viewer, issuers: IssuerService) -> None:
        self._viewer = viewer
        self._issuers = issuers

    async def rotate(self, slug: str, *, actor: str) -> list[str]:
        """New active keys; the verification method ids they are published under."""
        await self._administered(slug)
        return await self._issuers.rotate_keys(slug, actor=actor)

    async def compromise(
        self, slug: str, key_name: str, since: datetime, *, actor: str
    ) -> list[str]:
        await self._administered(slug)
        return await self._issuers.mark_compromised(slug, key_name, since, actor=actor)

    async def _administered(self, slug: str) -> None:
        profile = await self._issuers.find(slug)
        if profile is None or not self._viewer.may_administer(slug):
            raise NotFound(Said("issuer-unknown", slug=slug))
