"""The runnable answers of fastbook chapter 12.

Importing this package (and `answers_code.registry`) never imports torch: the app lists answers
cheaply and only the run engine's child process imports the model code.
"""
