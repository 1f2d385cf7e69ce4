"""Packaged data: checklist standards and demo material (the repository's data/ folder)."""
