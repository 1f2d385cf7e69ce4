"""CLI commands, one module per workflow area. Importing this package registers them."""

from . import (  # noqa: F401
    answers,
    campaign,
    catalog,
    demo,
    merge,
    rectify,
    report,
    review,
    rounds,
    users,
    verify,
    workflow,
)
