"""The four FSRS ratings by number, as every screen and command names them (torch-, database-
and UI-free: the grading child imports it too)."""

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
