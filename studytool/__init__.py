"""studytool: spaced-repetition study of fastbook chapter 12 backed by runnable answers."""

__version__ = "0.1.0"
