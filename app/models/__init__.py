"""Tables, enums and request/response schemas of CTP Log."""
from app.models.alerts import (
    AlertChannel,
    AlertOutbox,
    AlertSubscription,
    EscalationFired,
    EscalationRule,
    ShiftRoster,
)
from app.models.enums import (
    OPEN_STATUSES,
    AuditAction,
    MachineStatus,
    NotificationType,
    PhotoKind,
    ProblemStatus,
    ResolvedBy,
    Role,
    TechnicianType,
)
from app.models.jmf import DeviceLink, JmfSignal, JmfSubscription, MachineStop, MeterReading
from app.models.maintenance import CalendarFeed, MaintenanceOrder, MaintenanceReading, MaintenanceStep, MaintenanceTask
from app.models.tables import (
    ApiToken,
    Category,
    CTPMachine,
    CTPNotification,
    CTPProblemLog,
    DailyCauseRollup,
    DailyRollup,
    DisplayClaim,
    DisplayDevice,
    DisplayMachine,
    Division,
    DowntimeSegment,
    LoginFailure,
    OperatingWindow,
    PlantClosure,
    ProblemAudit,
    ProblemComment,
    ProblemPhoto,
    User,
    UserMachine,
)
from app.models.types import UTCDateTime, utcnow

__all__ = [
    'OPEN_STATUSES', 'AuditAction', 'MachineStatus', 'NotificationType', 'PhotoKind', 'ProblemStatus', 'ResolvedBy',
    'Role', 'TechnicianType', 'ApiToken', 'Category', 'CTPMachine', 'CTPNotification', 'CTPProblemLog',
    'DailyCauseRollup', 'DailyRollup', 'DisplayClaim', 'DisplayDevice', 'DisplayMachine', 'Division', 'DowntimeSegment',
    'LoginFailure', 'OperatingWindow',
    'PlantClosure', 'ProblemAudit', 'ProblemComment', 'ProblemPhoto', 'User', 'UserMachine', 'UTCDateTime', 'utcnow',
    'DeviceLink', 'JmfSignal', 'JmfSubscription', 'MachineStop', 'MeterReading',
    'CalendarFeed', 'MaintenanceOrder', 'MaintenanceReading', 'MaintenanceStep', 'MaintenanceTask',
    'AlertChannel', 'AlertOutbox', 'AlertSubscription', 'EscalationFired', 'EscalationRule', 'ShiftRoster',
]
