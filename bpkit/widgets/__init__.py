"""Interactive widgets of the book (need ipywidgets and matplotlib).

Each widget is usable headless: its controls are attributes that code can set, and the
numbers it shows are attributes that code (and the tests) can read.
"""
