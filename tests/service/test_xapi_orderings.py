"""Property: however one learner's statements arrive, they give exactly one badge.

Any order, any duplicates (re-sent with the same id, or id-less as logstore_xapi sends them,
each copy then a statement of its own) and any split into batches.
"""

import copy
import itertools
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from service.domain.demo import ACHIEVEMENT_SLUG, Demo
from tests.service.conftest import Getter
from tests.service.factories import ANSWERS
from tests.service.xapi_fixtures import answer, badges, basic, completed, post_statements

COURSE = "http://www.example.org/course/view.php?id=7"
ITEMS = {
    key: f"http://www.example.org/mod/feedback/edit_item.php?id={n}"
    for n, key in enumerate(ANSWERS, 11)
}


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[str, list[list[dict[str, Any]]]]:
    """A learner, and the batches their statements arrive in."""
    # Fresh each time, never drawn: examples share the database, so ids must never recur.
    email = f"p{uuid.uuid4().hex[:12]}@exemple.qc.ca"
    base = [completed(email, COURSE), *(answer(ITEMS[k], t, email) for k, t in ANSWERS.items())]
    for statement in base:
        if draw(st.booleans()):
            statement["id"] = str(uuid.uuid4())
    copies = draw(st.lists(st.integers(0, len(base) - 1), max_size=4))
    sent = draw(st.permutations([*base, *(copy.deepcopy(base[i]) for i in copies)]))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(sent) - 1)), max_size=len(sent))))
    bounds = [0, *cuts, len(sent)]
    batches = [sent[a:b] for a, b in itertools.pairwise(bounds) if sent[a:b]]
    return email, [part for batch in batches for part in _apart(batch)]


def _apart(batch: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split where an id recurs: xAPI 2.0 §2.1.3 has a batch repeating an id refused (400)."""
    parts: list[list[dict[str, Any]]] = [[]]
    for statement in batch:
        if "id" in statement and statement["id"] in {s.get("id") for s in parts[-1]}:
            parts.append([])
        parts[-1].append(statement)
    return parts


@pytest.fixture
async def mapped(client: httpx.AsyncClient, token: Getter, demo: Demo) -> dict[str, str]:
    response = await client.post(
        "/api/v1/xapi-mappings",
        json={"achievement": ACHIEVEMENT_SLUG, "completedActivity": COURSE, "answers": ITEMS},
        headers={"Authorization": f"Bearer {await token()}"},
    )
    assert response.status_code == 201, response.text
    return basic(demo.client_id, demo.client_secret)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(delivery=deliveries())
async def test_any_arrival_gives_exactly_one_badge(
    client: httpx.AsyncClient,
    session: AsyncSession,
    mapped: dict[str, str],
    delivery: tuple[str, list[list[dict[str, Any]]]],
) -> None:
    email, batches = delivery  # a new learner per example: the fixtures' database is shared
    for batch in batches:
        response = await post_statements(client, mapped, batch)
        assert response.status_code == 200, response.text

    assert await badges(session, email) == 1
