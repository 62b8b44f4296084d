"""Hostile: prints about 300 MB (one 150 MB line, then a loop), then the last line, then fails
to define Dropout."""

import sys

print("x" * 150_000_000)
line = "y" * 99
for _ in range(1_500_000):
    print(line)
print("the last line", file=sys.stderr)
