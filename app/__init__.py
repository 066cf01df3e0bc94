"""CTP Log domain: configuration, data, services, events and the REST adapter (no UI)."""
