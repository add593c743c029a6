"""Roles and statuses shared by the API and the relay."""

from __future__ import annotations

GUEST, COMMON, ADMIN, ROOT = 0, 1, 10, 100
PUBLIC = -1  # route level: no login needed
VALID_ROLES = (GUEST, COMMON, ADMIN, ROOT)

USER_ENABLED, USER_DISABLED = 1, 2
