"""Workbench (TUI) tests."""
