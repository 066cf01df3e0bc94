"""What a screen reader lists of a simulated screen: its headings (labels with role=heading), as (level, text)."""
from nicegui import ui
from nicegui.testing import User


def headings(user: User) -> list[tuple[str, str]]:
    return [(str(label.props.get('aria-level')), str(label.text)) for label in user.find(ui.label).elements
            if label.props.get('role') == 'heading']
