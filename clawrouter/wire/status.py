"""The status tables: channel, key, token and user status codes, roles, log types and task
statuses, with new-api's numbers and words (`constant/` and `common/constants.go`).

IntEnum / StrEnum members are ints / strs: they compare equal to, are stored as and serialise
as the plain values the database and the management API have always used.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum, unique


@unique
class ChannelStatus(IntEnum):
    """channels.status, and each key's status in a multi-key channel's other_info."""

    UNKNOWN = 0
    ENABLED = 1
    MANUALLY_DISABLED = 2
    AUTO_DISABLED = 3  # by the relay after an error that says the channel or key is unusable


@unique
class TokenStatus(IntEnum):
    """tokens.status: an API key's state (expired and exhausted are set by the relay)."""

    ENABLED = 1
    DISABLED = 2
    EXPIRED = 3
    EXHAUSTED = 4


@unique
class UserStatus(IntEnum):
    """users.status."""

    ENABLED = 1
    DISABLED = 2


@unique
class Role(IntEnum):
    """users.role."""

    GUEST = 0
    COMMON = 1
    ADMIN = 10
    ROOT = 100


@unique
class LogType(IntEnum):
    """logs.type: what a log row records."""

    UNKNOWN = 0
    TOPUP = 1
    CONSUME = 2
    MANAGE = 3
    SYSTEM = 4
    ERROR = 5
    REFUND = 6


@unique
class TaskStatus(StrEnum):
    """tasks.status: an async (video) task's state, as new-api stores it."""

    NOT_START = "NOT_START"
    SUBMITTED = "SUBMITTED"
    QUEUED = "QUEUED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    UNKNOWN = "UNKNOWN"


FINISHED_TASKS = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILURE})
