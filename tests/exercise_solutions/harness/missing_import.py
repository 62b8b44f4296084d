"""Wrong: imports a module that is not installed."""

import torchtext_missing_module  # noqa: F401
