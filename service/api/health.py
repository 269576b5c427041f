"""Liveness and readiness for load balancers and orchestrators."""

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from sqlalchemy.exc import SQLAlchemyError

from service.db.engine import Database


class HealthController(Controller):
    tags = ["Operations"]

    @get("/health", operation_id="Health", sync_to_thread=False)
    def health(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @get("/ready", operation_id="Ready")
    async def ready(self, state: State) -> dict[str, str]:
        """The database answers and its schema is at the newest migration (else 503)."""
        database: Database = state.database
        try:
            revision = await database.revision()  # a query: the database answers
        except (SQLAlchemyError, OSError) as error:
            raise HTTPException(
                status_code=503, detail=f"database unreachable: {type(error).__name__}"
            ) from None
        head = state.migration_head
        if revision != head:
            raise HTTPException(
                status_code=503, detail=f"database at revision {revision}, expected {head}"
            )
        return {"status": "ready", "revision": revision or ""}
