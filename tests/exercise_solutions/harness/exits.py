"""Wrong: ends the whole process while being imported."""

import os

os._exit(0)
