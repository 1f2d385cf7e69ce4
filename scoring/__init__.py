"""Pure scoring engine: checklist standards, case scores, grades, aggregation and agreement.

Nothing here touches a database or a user interface.
"""

from .aggregate import GroupStats, ProblemCount, ScoredCase, aggregate, by_kind, group_stats, rank
from .agreement import Agreement, ReviewPair, agreement, cohen_kappa
from .score import DEDUCT, NA, PASS, VERDICTS, VETO, AnswerInput, CaseScore, grade_of, score_case
from .standard import (
    Standard,
    StandardError,
    StandardProblem,
    check_standard,
    load_standard,
    sha256_text,
)

__all__ = [
    "Agreement", "AnswerInput", "CaseScore", "DEDUCT", "GroupStats", "NA", "PASS", "ProblemCount",
    "ReviewPair", "ScoredCase", "Standard", "StandardError", "StandardProblem", "VERDICTS", "VETO",
    "aggregate", "agreement", "by_kind", "check_standard", "cohen_kappa", "grade_of", "group_stats",
    "load_standard", "rank", "score_case", "sha256_text",
]
