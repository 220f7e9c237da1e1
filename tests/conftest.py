"""Shared test set-up: hypothesis runs derandomized, so every run draws the same examples."""

from hypothesis import settings

settings.register_profile("bpkit", derandomize=True, deadline=None, max_examples=40,
                          print_blob=True)
settings.load_profile("bpkit")
