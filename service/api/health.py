"""Liveness and readiness for load balancers and orchestrators."""

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException

from service.api.errors import problems
from service.runtime import Runtime


class HealthController(Controller):
    tags = ["Operations"]

    @get("/health", operation_id="Health", sync_to_thread=False)
    def health(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @get("/ready", operation_id="Ready", responses=problems(503))
    async def ready(self, runtime: NamedDependency[Runtime]) -> dict[str, str | list[str]]:
        """The database answers at the newest migration and the keys open (else 503).

        `degraded` lists what runs degraded (``rate-limits``: their shared store is down).
        """
        is_ready, detail = await runtime.readiness()
        if is_ready and not await runtime.opens_sealed_secrets():
            is_ready, detail = False, "the key-encryption key does not open the stored keys"
        if not is_ready:
            raise ServiceUnavailableException(detail=detail)
        return {"status": "ready", "revision": detail, "degraded": await runtime.degraded()}
