"""Role checks shared by the services. The GUI hides what a user may not do; the services refuse it."""

from __future__ import annotations

from app.domain.errors import PermissionDenied
from app.domain.users import Actor, Role


def require_any(actor: Actor, *roles: Role, doing: str) -> None:
    if actor.user_id is None and actor.username == "system":
        return
    if not any(actor.has(r) for r in roles):
        names = " or ".join(r.value for r in roles)
        raise PermissionDenied(f"{actor.username} may not {doing}: needs the role {names}")


def require_logged_in(actor: Actor) -> None:
    if actor.user_id is None and actor.username != "system":
        raise PermissionDenied("please log in first")
