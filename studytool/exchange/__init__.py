"""Export and import of progress: JSON (complete, versioned), CSV review log, Anki package,
Markdown report, and fitting personal FSRS parameters. No UI here; torch only in `optimize`.
"""
