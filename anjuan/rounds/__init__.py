"""Rounds of a campaign: 自查 (an agency's self-check), 抽查 (the bureau's spot check, the review
tables of the campaign database) and 复查 (re-check after rectification), and how they compare."""
