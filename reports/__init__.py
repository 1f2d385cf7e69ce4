"""评查结果通报 and 反馈意见书 builders (Excel, Word, HTML, Markdown, JSON).

This package works on plain data only: `reports.model.BulletinData`, computed by
`reports.compute.build_bulletin` from scored files (scoring.CaseScore). It never opens or queries
a database; `anjuan.lead.reporting` reads the campaign database and hands the data over.
"""

from .model import BulletinData

__all__ = ["BulletinData"]
