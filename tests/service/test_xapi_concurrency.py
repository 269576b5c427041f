"""Two service processes take one learner's statements at once: still exactly one badge.

Each "process" is an app of its own with its own connection pool on one database that
commits for real; the statements are re-sent id-less, as logstore_xapi does, in batches that
race each other.
"""

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.app import create_app
from service.db.engine import Database
from service.db.tables import CredentialRecord, XapiStatementRecord
from service.domain.demo import ACHIEVEMENT_SLUG
from service.settings import Settings
from tests.service.conftest import PUBLIC_URL, ScratchDatabase, asgi, database_for, load_demo_into
from tests.service.factories import ANSWERS
from tests.service.xapi_fixtures import answer, basic, completed, post_statements

COURSE = "http://www.example.org/course/view.php?id=7"
ITEMS = {
    key: f"http://www.example.org/mod/feedback/edit_item.php?id={n}"
    for n, key in enumerate(ANSWERS, 11)
}


async def test_racing_batches_on_two_processes_give_one_badge(
    settings: Settings, fresh_database: ScratchDatabase
) -> None:
    app_settings, pooled = database_for(settings, fresh_database)
    demo = await load_demo_into(app_settings, pooled)
    apps = [
        create_app(app_settings, database=Database(fresh_database.engine, owns_engine=False))
        for _ in range(2)
    ]
    auth = basic(demo.client_id, demo.client_secret)
    email = "course@exemple.qc.ca"
    statements = [
        completed(email, COURSE),
        *(answer(ITEMS[k], t, email) for k, t in ANSWERS.items()),
    ]
    async with (
        httpx.AsyncClient(transport=asgi(apps[0]), base_url=PUBLIC_URL) as first,
        httpx.AsyncClient(transport=asgi(apps[1]), base_url=PUBLIC_URL) as second,
    ):
        token = await first.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(demo.client_id, demo.client_secret),
        )
        mapped = await first.post(
            "/api/v1/xapi-mappings",
            json={"achievement": ACHIEVEMENT_SLUG, "completedActivity": COURSE, "answers": ITEMS},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert mapped.status_code == 201, mapped.text
        sends = [
            post_statements(client, auth, batch)
            for client in (first, second)
            for batch in (statements, statements[::-1], statements[:2], statements[2:])
        ]
        responses = await asyncio.gather(*sends)

    assert [r.status_code for r in responses] == [200] * len(sends), [r.text for r in responses]
    async with AsyncSession(fresh_database.engine) as session:
        assert await session.scalar(select(func.count()).select_from(CredentialRecord)) == 1
        held = await session.scalar(
            select(func.count())
            .select_from(XapiStatementRecord)
            .where(XapiStatementRecord.status == "pending")
        )
        assert held == 0
