"""Enumerated values of the domain (stored as their string values)."""
from enum import StrEnum


class Role(StrEnum):
    ADMIN = 'admin'
    CTP_USER = 'ctp_user'
    MANAGER = 'manager'
    NONE = 'none'


class MachineStatus(StrEnum):
    OPERATIONAL = 'operational'
    DEGRADED = 'degraded'
    MAINTENANCE = 'maintenance'
    DOWN = 'down'
    RETIRED = 'retired'


class ProblemStatus(StrEnum):
    OPEN = 'open'
    IN_PROGRESS = 'in_progress'
    COMPLETED = 'completed'
    CANCELLED = 'cancelled'


OPEN_STATUSES = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)


class TechnicianType(StrEnum):
    INTERNAL = 'internal'
    VENDOR = 'vendor'


class ResolvedBy(StrEnum):
    OPERATOR = 'operator'
    INTERNAL_TECHNICIAN = 'internal_technician'
    VENDOR_REMOTE = 'vendor_remote'
    VENDOR_ONSITE = 'vendor_onsite'

    @property
    def technician_type(self) -> TechnicianType:
        internal = (ResolvedBy.OPERATOR, ResolvedBy.INTERNAL_TECHNICIAN)
        return TechnicianType.INTERNAL if self in internal else TechnicianType.VENDOR


class NotificationType(StrEnum):
    PROBLEM_CREATED = 'problem_created'
    PROBLEM_ACKNOWLEDGED = 'problem_acknowledged'
    VENDOR_CALLED = 'vendor_called'
    PROBLEM_RESOLVED = 'problem_resolved'
    PROBLEM_REOPENED = 'problem_reopened'
    PROBLEM_CANCELLED = 'problem_cancelled'
    NOT_ACKNOWLEDGED = 'not_acknowledged'
    MAINTENANCE_DUE = 'maintenance_due'
    MAINTENANCE_OVERDUE = 'maintenance_overdue'
    VENDOR_NOT_ARRIVED = 'vendor_not_arrived'  # an escalation rule (issue 23): called, not arrived in time


class PhotoKind(StrEnum):
    BEFORE = 'before'
    AFTER = 'after'


class AuditAction(StrEnum):
    CREATE = 'create'
    UPDATE = 'update'
    ACKNOWLEDGE = 'acknowledge'
    COMPLETE = 'complete'
    REOPEN = 'reopen'
    CANCEL = 'cancel'
    DELETE = 'delete'
    PHOTO_ADDED = 'photo_added'
    PHOTO_REMOVED = 'photo_removed'
    HAND_OVER = 'hand_over'
    COMMENT = 'comment'
    UNDO = 'undo'
