"""Shared test set-up: hypothesis runs derandomized, so every run draws the same examples."""

import os

from hypothesis import settings

os.environ["BPKIT_PROGRESS"] = "0"  # no progress bars from long fit() runs in tests

settings.register_profile("bpkit", derandomize=True, deadline=None, max_examples=40,
                          print_blob=True)
settings.load_profile("bpkit")
