"""The audit log for an issuer's admins: filters, pages, and nothing of other issuers."""

import httpx

from service.domain.demo import ISSUER_SLUG
from tests.service.conftest import Getter, MakeClient
from tests.service.factories import completion


async def test_admins_read_their_issuers_events_by_kind_in_pages(
    client: httpx.AsyncClient, token: Getter, make_client: MakeClient
) -> None:
    admin_id, admin_secret = await make_client(scopes={"admin"}, issuers={ISSUER_SLUG})
    admin = {"Authorization": f"Bearer {await token(None, admin_id, admin_secret)}"}
    other_id, other_secret = await make_client(scopes={"admin"}, issuers={"autre"})
    other = {"Authorization": f"Bearer {await token(None, other_id, other_secret)}"}
    platform = {"Authorization": f"Bearer {await token()}"}
    ids = []
    for n in range(3):
        issued = await client.post(
            "/api/v1/completions", json=completion(f"audit-{n}"), headers=platform
        )
        ids.append(issued.json()["id"])
    await client.post(
        f"/api/v1/credentials/{ids[0]}/revoke", json={"reason": "erreur"}, headers=admin
    )

    revoked = (
        await client.get("/api/v1/audit", params={"kind": "credential.revoked"}, headers=admin)
    ).json()
    first = (await client.get("/api/v1/audit", params={"limit": 2}, headers=admin)).json()
    rest = (
        await client.get("/api/v1/audit", params={"cursor": first["nextCursor"]}, headers=admin)
    ).json()
    by_actor = (await client.get("/api/v1/audit", params={"actor": admin_id}, headers=admin)).json()
    later = (
        await client.get("/api/v1/audit", params={"after": "2999-01-01T00:00:00Z"}, headers=admin)
    ).json()

    assert [(e["subject"], e["detail"]["reason"]) for e in revoked["events"]] == [
        (ids[0], "erreur")
    ]
    kinds = [e["kind"] for e in first["events"] + rest["events"]]
    assert kinds.count("credential.issue") == 3
    assert [e["kind"] for e in by_actor["events"]] == ["credential.revoked"]
    assert later["events"] == []
    # Nothing of another issuer: only its own client's creation, an event of its issuer.
    theirs = (await client.get("/api/v1/audit", headers=other)).json()["events"]
    assert [(e["kind"], e["issuer"], e["subject"]) for e in theirs] == [
        ("client.create", "autre", other_id)
    ]
    assert (await client.get("/api/v1/audit", headers=platform)).status_code == 403
