r"""Checks for the exercises of chapter 8, automatic differentiation.

- :func:`check_softplus`: a new operation for :class:`~bpkit.autograd.Tensor`, softplus, as
  one node of the graph with its own backward function.
- :func:`check_sum_to_shape`: the broadcast sum, a gradient summed back to an operand's shape.
- :func:`check_backward_fixed`: a backward pass over Chapter 1's scalar graphs that gives the
  right gradients where the chapter's recursive one does not, on graphs of any depth.
- :func:`check_jvp_by_hand`: a Jacobian-vector product carried through a small function by
  hand, one tangent per intermediate value.

No message of a check states the expected value or its formula: a passing check says what
the answer implies, a failing one what is off.
"""

from __future__ import annotations

import numpy as np

from . import ExerciseError, call_reader, check_close, correct, exercise_check, expect_function

__all__ = ["Node", "backward_recursive", "jvp_function", "check_softplus",
           "check_sum_to_shape", "check_backward_fixed", "check_jvp_by_hand"]


# ----------------------------------------------------------------- Exercise 8.1

@exercise_check("8.1")
def check_softplus(softplus) -> None:
    """``softplus(x)``: a Tensor operation, :math:`\\log(1 + e^x)` entry by entry."""
    from ..autograd import Tensor

    expect_function("softplus", softplus)
    rng = np.random.default_rng(81)
    for shape in ((3, 4), (5,)):
        data = rng.uniform(-4, 4, shape)
        x = Tensor(data.copy(), requires_grad=True)
        y = call_reader("softplus", softplus, x)
        if not isinstance(y, Tensor):
            raise ExerciseError(f"softplus(x) must return a Tensor, got {type(y).__name__}.")
        check_close("softplus(x).data", y.data, np.logaddexp(0.0, data), rtol=1e-10,
                    atol=1e-12, hint="The forward value is log(1 + e^x), entry by entry.")
        if len(y.parents) != 1 or y.parents[0] is not x or y.backward_fn is None:
            raise ExerciseError("softplus(x) must be one new node of the graph whose only "
                                "parent is x, with its own backward_fn: build it with "
                                "Tensor._result, not from other Tensor operations.")
        c = rng.standard_normal(shape)  # a random upstream gradient, as bpkit.gradcheck uses
        loss = (y * c).sum()
        call_reader("the backward_fn of softplus", loss.backward)
        slope = 1.0 / (1.0 + np.exp(-data))
        got = x.grad
        if got is None:
            raise ExerciseError("softplus: x.grad is still None after the backward pass: your "
                                "backward_fn must return a tuple with x's gradient.")
        if np.shape(got) == shape:
            if np.allclose(got, slope, rtol=1e-9):
                raise ExerciseError("softplus: your backward_fn returns the local slope "
                                    "alone; it must multiply it by g, the gradient arriving "
                                    "from the output.")
            if np.allclose(got, c / (1.0 + np.exp(data)), rtol=1e-9):
                raise ExerciseError("softplus: your slope is the slope at -x: check the "
                                    "sign in the exponent.")
        check_close("x.grad after softplus", got, c * slope, rtol=1e-9, atol=1e-12,
                    hint="The derivative of log(1 + e^x) with respect to x, times g.")
    correct("Your softplus is one node with its own vector-Jacobian product; the engine "
            "found it in the graph, and its gradient agrees with the derivative of "
            "log(1 + e^x) on two shapes under a random upstream gradient.")


# ----------------------------------------------------------------- Exercise 8.2

_SUM_CASES = (((4, 3), (3,)), ((4, 3), (1, 3)), ((4, 3), (4, 1)), ((2, 3, 4), (3, 1)),
              ((2, 3), ()), ((5,), (5,)), ((2, 3, 4), (2, 1, 4)))


def _sum_to(grad, shape):
    """The check's own broadcast sum: add up every entry that fed the same operand entry."""
    out = np.zeros(shape)
    view = np.broadcast_to(np.arange(out.size).reshape(shape), grad.shape)
    np.add.at(out.reshape(-1), view.reshape(-1), grad.reshape(-1))
    return out


@exercise_check("8.2")
def check_sum_to_shape(sum_to_shape) -> None:
    """``sum_to_shape(grad, shape)``: the gradient of a broadcast operand of that shape."""
    expect_function("sum_to_shape", sum_to_shape)
    rng = np.random.default_rng(82)
    for grad_shape, shape in _SUM_CASES:
        grad = rng.standard_normal(grad_shape)
        got = call_reader("sum_to_shape", sum_to_shape, grad.copy(), shape)
        if got is None:
            raise ExerciseError("sum_to_shape returned None: end the function with a return.")
        want = _sum_to(grad, shape)
        if np.shape(got) == shape and want.size < grad.size:
            stretch = grad.size // want.size
            if np.allclose(np.asarray(got, dtype=float) * stretch, want, rtol=1e-9):
                raise ExerciseError(f"sum_to_shape(grad of shape {grad_shape}, {shape}): "
                                    "you averaged; each entry of the operand fed several "
                                    "outputs, and their gradients add up.")
        check_close(f"sum_to_shape(grad of shape {grad_shape}, {shape})", got, want,
                    rtol=1e-12, atol=1e-12,
                    hint="Sum over the axes that broadcasting added on the left, and over "
                         "the axes of length 1 that it stretched, keeping them.")
    correct("Your broadcast sum gives every operand entry the total gradient of the outputs "
            "it fed, for axes added on the left and for stretched axes of length 1 alike: "
            "the sum over consumers, one axis at a time.")


# ----------------------------------------------------------------- Exercise 8.3

class Node:
    """A bare node of a scalar graph: ``data``, ``grad``, ``parents``, ``local_grads``.

    What :class:`bpkit.engine.Value` stores, without its methods: a backward pass over these
    nodes has only the graph to go by.
    """

    def __init__(self, data: float, parents=(), local_grads=(), label: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(float(g) for g in local_grads)
        self.label = label

    def __repr__(self) -> str:
        return f"Node({self.label or self.data:}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = other if isinstance(other, Node) else Node(other)
        return Node(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Node) else Node(other)
        return Node(self.data * other.data, (self, other), (other.data, self.data))

    def tanh(self):
        t = float(np.tanh(self.data))
        return Node(t, (self,), (1 - t * t,))


def backward_recursive(node: Node) -> None:
    """The chapter's recursive backward pass (Exercise 8.3 asks what is wrong with it).

    Call it on the output after setting ``output.grad = 1.0``.
    """
    for parent, local in zip(node.parents, node.local_grads, strict=True):
        parent.grad += local * node.grad
        backward_recursive(parent)


def _graphs():
    """(name, output, every node) for the graphs the check runs the reader's pass on."""
    x, y = Node(0.7, label="x"), Node(-1.3, label="y")
    h = x * 2.0
    shared = h * h + x * y              # h feeds the product twice
    a, b = Node(0.4, label="a"), Node(1.1, label="b")
    u = (a * b).tanh()
    v = u * u + u * a                   # u has three consumers
    w = v * v
    c = Node(0.9, label="c")
    deep = c
    for _ in range(2000):               # 4,000 nodes in a chain
        deep = deep * 0.9995 + 0.001
    return [("a graph where h = 2x is used twice", shared, [x, y]),
            ("a graph where u = tanh(ab) has three consumers", w, [a, b]),
            ("a chain of 4,000 nodes", deep, [c])]


def _reference(output) -> dict:
    """The check's own gradients: reverse topological order, found with a stack."""
    order, seen, stack = [], {id(output)}, [(output, iter(output.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    grads = {id(n): 0.0 for n in order}
    grads[id(output)] = 1.0
    for node in reversed(order):
        for p, local in zip(node.parents, node.local_grads, strict=True):
            grads[id(p)] += local * grads[id(node)]
    return grads


@exercise_check("8.3")
def check_backward_fixed(backward_fixed) -> None:
    """``backward_fixed(output)``: fills ``grad`` of every node (all start at 0)."""
    expect_function("backward_fixed", backward_fixed)
    for name, output, leaves in _graphs():
        want = _reference(output)
        try:
            call_reader("backward_fixed", backward_fixed, output)
        except ExerciseError as err:
            if isinstance(err.__cause__, RecursionError):
                raise ExerciseError(f"backward_fixed: on {name} it ran into Python's limit "
                                    "on nested calls; walk the graph with a loop and a list "
                                    "of your own, not by calling a function inside "
                                    "itself.") from None
            raise
        got = [leaf.grad for leaf in leaves]
        right = [want[id(leaf)] for leaf in leaves]
        if not all(isinstance(g, float | int | np.floating) for g in got):
            raise ExerciseError(f"backward_fixed: on {name} a leaf's grad is not a number.")
        if not np.allclose(got, right, rtol=1e-10, atol=1e-12):
            if np.allclose(got, 0.0):
                raise ExerciseError(f"backward_fixed: on {name} the leaves' gradients are "
                                    "still 0: the pass must start from the output's "
                                    "gradient, d(output)/d(output).")
            raise ExerciseError(f"backward_fixed: on {name} a leaf's gradient is not right "
                                "yet. A node may pass its gradient on only once all of its "
                                "consumers have added theirs to it.")
    correct("Your backward pass gives every leaf its full gradient on graphs with shared "
            "intermediate nodes and on a chain thousands of nodes deep: each node passes its "
            "gradient on once, after every consumer has contributed.")


# ----------------------------------------------------------------- Exercise 8.4

def jvp_function(x):
    r"""The function of Exercise 8.4: :math:`u = x_0 x_1`, :math:`f = (u, \sin u + x_1^2)`."""
    u = x[0] * x[1]
    return np.array([u, np.sin(u) + x[1] ** 2])


def _jacobian(x):
    u = x[0] * x[1]
    return np.array([[x[1], x[0]],
                     [np.cos(u) * x[1], np.cos(u) * x[0] + 2 * x[1]]])


@exercise_check("8.4")
def check_jvp_by_hand(jvp_by_hand) -> None:
    """``jvp_by_hand(x, v)``: :math:`J(x)\\,v` for ``ch8.jvp_function``, exactly."""
    expect_function("jvp_by_hand", jvp_by_hand)
    rng = np.random.default_rng(84)
    for _ in range(5):
        x, v = rng.uniform(-2, 2, 2), rng.standard_normal(2)
        got = call_reader("jvp_by_hand", jvp_by_hand, x.copy(), v.copy())
        if got is None:
            raise ExerciseError("jvp_by_hand returned None: end the function with a return.")
        J = _jacobian(x)
        want = J @ v
        if np.shape(got) == (2,):
            got_arr = np.asarray(got, dtype=float)
            if np.allclose(got_arr, J.T @ v, rtol=1e-9) and not np.allclose(want, J.T @ v):
                raise ExerciseError("jvp_by_hand: that is v times the Jacobian from the left, "
                                    "what one reverse pass gives; forward mode pushes v "
                                    "through each operation in the order of the forward pass.")
            if np.allclose(got_arr, jvp_function(x), rtol=1e-9):
                raise ExerciseError("jvp_by_hand: that is the value f(x); the question asks "
                                    "for its rate of change along v.")
            if (np.allclose(got_arr, want, rtol=1e-5, atol=1e-7)
                    and not np.allclose(got_arr, want, rtol=1e-11, atol=1e-12)):
                raise ExerciseError("jvp_by_hand: close, but not exact to rounding: a finite "
                                    "step only approximates the derivative. Carry each "
                                    "intermediate value's tangent exactly.")
        check_close("jvp_by_hand(x, v)", got, want, rtol=1e-11, atol=1e-12,
                    hint="Give u a tangent first, then each output's tangent from the "
                         "tangents of what it is computed from.")
    correct("Your tangents agree with the Jacobian's product with v on five random points "
            "and directions: one forward pass, no Jacobian built, one column's worth of "
            "information per pass.")
