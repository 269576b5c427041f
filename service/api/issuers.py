"""What verifiers fetch: issuers' controller documents, JWKs and status lists."""

import uuid

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from service.api.errors import problems
from service.domain.issuers import IssuerService
from service.domain.status_lists import StatusListService


class IssuerDocumentController(Controller):
    tags = ["Public"]

    @get(
        "/issuers/{slug:str}/did.json",
        operation_id="GetIssuerDidDocument",
        responses=problems(404),
        media_type="application/did+json",
    )
    async def did_document(
        self, issuers: NamedDependency[IssuerService], slug: FromPath[str]
    ) -> dict[str, object]:
        """The issuer's did:web document: its keys, as assertion methods."""
        return await issuers.controller_document(slug)

    @get(
        "/issuers/{slug:str}/keys/{name:str}",
        operation_id="GetIssuerJwk",
        responses=problems(404),
        media_type="application/jwk+json",
    )
    async def jwk(
        self, issuers: NamedDependency[IssuerService], slug: FromPath[str], name: FromPath[str]
    ) -> dict[str, object]:
        """One public key as a bare JWK: what a VC-JWT's ``kid`` points at."""
        return await issuers.public_jwk(slug, name)

    @get(
        "/status/{list_id:uuid}",
        operation_id="GetStatusList",
        responses=problems(404),
        media_type="application/vc+ld+json",
    )
    async def status_list(
        self,
        issuers: NamedDependency[IssuerService],
        status_lists: NamedDependency[StatusListService],
        list_id: FromPath[uuid.UUID],
    ) -> dict[str, object]:
        """A signed BitstringStatusListCredential: an issuer's revocation bits."""
        return await status_lists.signed_list_credential(list_id, issuers)
