"""Each operation's OpenAPI ``security`` requirement, taken from the dependency that checks it.

The scope an operation needs is stated once, in ``requires(scope)`` (or another principal
dependency registered in `service.api.dependencies.SECURITY`); this module copies it into the
document, so Swagger UI's "Try it out" and generated clients send the token, and no
operation declares ``Authorization`` as a parameter.
"""

from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from service.api.dependencies import SECURITY


def document_security(app: Litestar) -> None:
    """Give every route handler whose ``principal`` is a registered guard its requirement."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler) and not handler.security:
                provider = handler.resolve_dependencies().get("principal")
                requirement = SECURITY.get(_callable(provider)) if provider else None
                if requirement is not None:
                    handler.security = requirement


def _callable(provider: Any) -> Any:  # noqa: ANN401 - a Provide's function
    return getattr(provider, "dependency", None)
