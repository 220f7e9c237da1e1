"""Interactive widgets of the book (need ``pip install bpkit[book]``: anywidget, ipywidgets,
matplotlib).

Each widget is usable headless: its controls are attributes that code can set, and the
numbers it shows are attributes that code (and the tests) can read. All of them (the
chain-rule graph, the network explorer, the depth explorer, the trainer, the optimizer
explorer, the overfitting explorer, the backward stepper, the convolution explorer and the gradient
through time) are written in the design of
:mod:`bpkit.widgets.frontend`: one JavaScript front-end, live in a notebook and on the website.
"""
