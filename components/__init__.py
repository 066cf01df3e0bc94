"""Reusable UI pieces: they import NiceGUI and app, never pages."""
