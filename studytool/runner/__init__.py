"""The run engine: answers run in a child process that streams JSON-lines events."""
