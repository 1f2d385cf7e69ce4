"""CLI commands, one module per workflow area. Importing this package registers them."""

from . import answers, campaign, catalog, demo, merge, report, review, users, workflow  # noqa: F401
