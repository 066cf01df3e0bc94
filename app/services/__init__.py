"""Domain services: plain functions, session first, each owning its transaction, emitting after commit."""
