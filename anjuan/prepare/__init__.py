"""Preparing a campaign: catalogs, the review team, sampling and assignment."""
