r"""The backward stepper (Chapter 8): a backward pass, one node at a time.

The reader picks one of a few small expressions, built with :class:`bpkit.engine.Value`, and
sets its inputs with sliders. The widget draws the graph with every node's value; **Step**
reveals the gradient of the next node in reverse topological order, the order in which
``Value.backward`` completes them (each node's gradient is final once every consumer has
added its share), **Run all** reveals the rest and **Reset** starts again.

Headless use (what the book's next cell and the tests do)::

    w = BackwardStepper("neuron", x=0.8, w=-1.5, b=0.3)
    w.step(); w.step()        # the two buttons, from code
    w.shown                   # {"f": 1.0, "a": 0.8}: the gradients revealed so far
    w.set(x=0.5)              # moves a slider (the revealed steps stay)
    print(w.report())         # the numbers the widget shows, as text

The drawing is ``js/stepper.js``; on the website its numbers come from ``stepperState`` in
``js/port.js``, which mirrors :func:`stepper_state`.
"""

from __future__ import annotations

from ..engine import Value
from .frontend import BookWidget

__all__ = ["EXPRESSIONS", "INPUTS", "build_expression", "stepper_state", "BackwardStepper"]

#: Every input a slider can set; each expression uses some of them.
INPUTS = ("x", "y", "w", "b")
#: The expressions: name -> (the formula shown, its inputs, what each inner node computes).
EXPRESSIONS = {
    "reuse": ("f = x·y + x", ("x", "y"), {"m": "x·y", "f": "m + x"}),
    "neuron": ("f = x·tanh(w·x + b)", ("x", "w", "b"),
               {"m": "w·x", "u": "m + b", "a": "tanh u", "f": "x·a"}),
    "square": ("f = (x + y)·(x + y)·y", ("x", "y"), {"u": "x + y", "q": "u·u", "f": "q·y"}),
}
LOW, HIGH = -2.0, 2.0


def build_expression(name: str, inputs: dict) -> dict[str, Value]:
    """The nodes of expression ``name`` at ``inputs``, by label, in the order they are made.

    ``backward()`` has not been called. ``buildExpression`` in ``js/port.js`` builds the same
    graph, with the same local derivatives (those ``Value``'s operations record).
    """
    if name not in EXPRESSIONS:
        raise ValueError(f"build_expression: unknown expression {name!r}; expected one of "
                         f"{list(EXPRESSIONS)}")
    n = {k: Value(inputs[k], k) for k in EXPRESSIONS[name][1]}
    if name == "reuse":
        n["m"] = n["x"] * n["y"]
        n["f"] = n["m"] + n["x"]
    elif name == "neuron":
        n["m"] = n["w"] * n["x"]
        n["u"] = n["m"] + n["b"]
        n["a"] = n["u"].tanh()
        n["f"] = n["x"] * n["a"]
    else:
        n["u"] = n["x"] + n["y"]
        n["q"] = n["u"] * n["u"]
        n["f"] = n["q"] * n["y"]
    for label, node in n.items():
        node.label = label
    return n


def stepper_state(name: str, inputs: dict) -> dict:
    """Everything the widget shows for expression ``name`` at ``inputs``.

    Returns ``{"order": [labels in topological order], "values": {label: value},
    "edges": [[parent, child, d child/d parent], ...], "grads": {label: d f/d label}}``: the
    widget reveals ``grads`` one node at a time, in the order ``reversed(order)``.
    """
    nodes = build_expression(name, inputs)
    f = nodes["f"]
    f.backward()
    return {"order": [node.label for node in f.topological_order()],
            "values": {label: node.data for label, node in nodes.items()},
            "edges": [[p.label, c.label, g] for p, c, g in f.edges()],
            "grads": {label: node.grad for label, node in nodes.items()}}


class BackwardStepper(BookWidget):
    r"""Pick an expression, set its inputs, and step through its backward pass node by node.

    Parameters
    ----------
    expression : str
        One of :data:`EXPRESSIONS`: ``"reuse"`` (:math:`f = xy + x`), ``"neuron"``
        (:math:`f = x\tanh(wx + b)`) or ``"square"`` (:math:`f = (x + y)^2 y`).
    x, y, w, b : float
        The inputs, in ``[-2, 2]`` (an expression uses some of them).

    Attributes
    ----------
    controls : dict
        ``{"expression", "x", "y", "w", "b", "step"}``; ``step`` counts the gradients revealed.
    result : dict
        What :func:`stepper_state` computes (synced with the page).
    """

    _widget = "stepper"
    _actions = ("reset", "step", "run")

    def __init__(self, expression: str = "neuron", x: float = 0.8, y: float = -1.2,
                 w: float = -1.5, b: float = 0.3):
        start = {"expression": expression, "x": x, "y": y, "w": w, "b": b}
        self._check(start)
        super().__init__({**{k: (v if k == "expression" else float(v))
                             for k, v in start.items()}, "step": 0})

    @staticmethod
    def _check(values: dict) -> None:
        for k, v in values.items():
            if k == "expression":
                if v not in EXPRESSIONS:
                    raise ValueError(f"BackwardStepper: expression must be one of "
                                     f"{list(EXPRESSIONS)}, got {v!r}")
            elif k not in INPUTS:
                raise ValueError(f"BackwardStepper.set: unknown control {k!r}; expected "
                                 f"'expression' or some of {list(INPUTS)}")
            elif isinstance(v, bool) or not isinstance(v, (int, float)) or not LOW <= v <= HIGH:
                raise ValueError(f"BackwardStepper: {k} must be a number in [{LOW}, {HIGH}] "
                                 f"(the slider's range), got {v!r}")

    def compute(self, controls: dict) -> dict:
        return stepper_state(controls["expression"], controls)

    def set(self, **values) -> None:
        """Move sliders or pick an expression from code, e.g. ``w.set(expression="reuse")``.

        A new expression starts its backward pass from the beginning (step 0)."""
        self._check(values)
        new = {k: (v if k == "expression" else float(v)) for k, v in values.items()}
        if "expression" in new and new["expression"] != self.controls["expression"]:
            new["step"] = 0
        self._set_controls(new)

    @property
    def n_steps(self) -> int:
        """The number of nodes, one step each."""
        return len(self.result["order"])

    def step(self) -> None:
        """Reveal the next node's gradient, in reverse topological order (the Step button)."""
        self._set_controls({"step": min(self.controls["step"] + 1, self.n_steps)})

    def run(self) -> None:
        """Reveal every gradient (the Run all button)."""
        self._set_controls({"step": self.n_steps})

    @property
    def backward_order(self) -> list[str]:
        """The nodes in the order the steps reveal them: ``f`` first, the inputs last."""
        return list(reversed(self.result["order"]))

    @property
    def shown(self) -> dict[str, float]:
        """The gradients revealed so far, in the order they were revealed."""
        grads = self.result["grads"]
        return {label: grads[label] for label in self.backward_order[:self.controls["step"]]}

    def describe(self) -> str:
        formula = EXPRESSIONS[self.controls["expression"]][0]
        shown = ", ".join(f"df/d{k} = {v:.4g}" for k, v in self.shown.items()) or "none yet"
        return (f"The computational graph of {formula}, each node with its value; the "
                f"gradients revealed so far, in reverse topological order: {shown}.")

    def report(self, digits: int = 6) -> str:
        """The numbers the widget shows, as plain text rounded to ``digits`` decimals."""
        r = lambda v: f"{round(v, digits) + 0.0:.{digits}f}"  # noqa: E731 (+0.0: no "-0")
        c = self.controls
        formula, inputs, inner = EXPRESSIONS[c["expression"]]
        lines = [f"{formula} at " + ", ".join(f"{k} = {c[k]:g}" for k in inputs),
                 f"step {c['step']} of {self.n_steps}"]
        shown = self.shown
        for label in self.backward_order:
            what = inner.get(label, "input")
            grad = r(shown[label]) if label in shown else "?"
            lines.append(f"  {label} = {what:<8} value {r(self.result['values'][label]):>10}"
                         f"   df/d{label} = {grad}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.controls
        inputs = ", ".join(f"{k}={c[k]:g}" for k in EXPRESSIONS[c["expression"]][1])
        return f"BackwardStepper({c['expression']!r}, {inputs})"
