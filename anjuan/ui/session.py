"""Who is reviewing which campaign: everything the screens need to call the service layer."""

from __future__ import annotations

from dataclasses import dataclass

from scoring import Standard

from ..db import Database


@dataclass(frozen=True)
class ReviewSession:
    """The open database and the reviewer whose work the workbench shows."""

    db: Database
    reviewer_id: str
    """The reviewer acted as: answers and history rows carry this id."""
    reviewer_name: str
    is_lead: bool
    campaign: str
    """The campaign's name, shown in the title bar."""
    standard: Standard
    """The checklist the campaign is scored by."""
