"""The lead's work: merging packages, final reviews, 合议, progress and the bulletin's data."""
