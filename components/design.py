"""Colours, icons and words per status (never colour alone), and shared class strings."""
from app.models import MachineStatus

STATUS_LOOK: dict[str, tuple[str, str, str]] = {  # status -> (Quasar colour, Material icon, word)
    MachineStatus.DOWN: ('red-8', 'cancel', 'DOWN'),
    MachineStatus.MAINTENANCE: ('blue-8', 'build', 'MAINTENANCE'),
    MachineStatus.DEGRADED: ('amber-8', 'warning', 'DEGRADED'),
    MachineStatus.OPERATIONAL: ('green-8', 'check_circle', 'RUNNING'),
    MachineStatus.RETIRED: ('grey-7', 'inventory_2', 'RETIRED'),
}
TOUCH = 'min-h-[48px] min-w-[48px]'


def status_look(status: str) -> tuple[str, str, str]:
    return STATUS_LOOK.get(status, ('grey-7', 'help', status.upper()))


def duration_text(minutes: float) -> str:
    """'1 h 12 min', '45 min', '2 d 3 h'."""
    total = int(round(minutes))
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f'{days} d {hours} h'
    return f'{hours} h {mins} min' if hours else f'{mins} min'
