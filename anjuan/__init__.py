"""anjuan: 行政执法案卷评查 — sampling, offline review, merge, 合议 and bulletins."""

__version__ = "0.1.0"
