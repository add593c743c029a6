"""Roles as route access levels (the values are clawrouter.wire.status.Role; statuses live
there too)."""

from __future__ import annotations

from clawrouter.wire.status import Role

GUEST, COMMON, ADMIN, ROOT = Role.GUEST, Role.COMMON, Role.ADMIN, Role.ROOT  # users.role
PUBLIC = -1  # route level: no login needed
VALID_ROLES = (GUEST, COMMON, ADMIN, ROOT)
