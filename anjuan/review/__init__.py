"""A reviewer's work: the case list and answers, reviewer packages, scripted answers."""
