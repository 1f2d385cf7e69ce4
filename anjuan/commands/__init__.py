"""CLI commands, one module per workflow area. Importing this package registers them."""

from . import answers, campaign, catalog, demo, merge, rectify, report, review, rounds, workflow  # noqa: F401
