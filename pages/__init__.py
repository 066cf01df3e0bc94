"""Every page module; importing this package registers all routes."""
from pages import admin_calendar, admin_index, admin_machines, admin_taxonomy, admin_users, login, overview, profile  # noqa: F401
