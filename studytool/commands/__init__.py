"""One module per command group; `studytool.cli` imports each only when its command runs."""
