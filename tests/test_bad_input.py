"""Bad input, generated: every public entry of bpkit answers it clearly or correctly.

For each entry (the layers, the losses, the model, the optimizers, ``fit`` and its helpers,
the gradient checks, the scalar engine), hypothesis draws what a learner might pass: the
right thing, or something wrong in one way, its shape, type, dtype, layout or values. Each
call must either raise an error of bpkit's own, which names the entry and says what it
expected and what it got, or return a result that a reference computation here confirms:
never NaN, inf or a wrong number without an error.

One exception, by design: ``layer.forward`` and ``layer.backward`` are the fast path that a
model calls once it has checked its data; they check types and shapes but pass NaN and inf
through as IEEE arithmetic does (the reference confirms that too). Calling the layer,
``layer(x)``, or the model refuses them.
"""

from __future__ import annotations

import math
import traceback
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_engine import recursive_order  # the order as the engine built it before (reference)

import bpkit as bp
from bpkit.engine import Value
from bpkit.gradcheck import centered_difference
from bpkit.train import evaluate, minibatches, predicted_classes

BPKIT = Path(bp.__file__).resolve().parent
ERRORS = (ValueError, TypeError, RuntimeError, KeyError, OverflowError, ZeroDivisionError)
#: words by which a message says what it expected, and what it got
EXPECTED = ("expected", "must", "need", "before forward", "not a real", "division by zero",
            "holds one", "holds a real", "too large", "no gradient")
GOT = ("got", "holds", "gave", " is ", "reach", "called", "by zero", "grads has")


def run(call, ieee=False):
    """``(result, None)`` or ``(None, error)``; any warning (NumPy's, say) fails the test,
    except the gradient checker's own, about float32, and with ``ieee=True`` (the fast
    path, which passes NaN and inf through) NumPy's about them."""
    numpy_default = {"over": "warn", "invalid": "warn", "divide": "warn", "under": "ignore"}
    with warnings.catch_warnings(), np.errstate(**({"all": "ignore"} if ieee else numpy_default)):
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message="gradient check in float32")
        try:
            result = call()
        except ERRORS as err:
            event(f"refused: {type(err).__name__}")
            return None, err
    event("computed")
    return result, None


def assert_clear(err: Exception, *names: str) -> None:
    """``err`` was raised in bpkit's code, names the entry and says what it expected and got."""
    where = Path(traceback.extract_tb(err.__traceback__)[-1].filename).resolve()
    assert BPKIT in where.parents, f"raised in {where}, not by bpkit: {err!r}"
    msg = str(err)
    assert any(name in msg for name in names), f"{names} not named in: {msg}"
    assert any(w in msg for w in EXPECTED) and any(w in msg for w in GOT), msg


def assert_close(result, reference, *sources) -> None:
    """The result equals the reference, to float32 precision when the result or one of the
    ``sources`` is float32. Where the reference is NaN or inf (the fast path, fed NaN or
    inf: see the module), the result must be NaN or inf too; which one depends on how the
    formula is written (inf * 0 is NaN)."""
    single = any(np.asarray(a).dtype == np.float32 for a in (result, *sources)
                 if not isinstance(a, list))
    rtol, atol = (2e-6, 1e-6) if single else (1e-10, 1e-12)
    result = np.asarray(result, dtype=np.float64)
    reference = np.broadcast_to(reference, result.shape)
    finite = np.isfinite(reference)
    assert not np.isfinite(result[~finite]).any(), "a finite result where IEEE gives NaN or inf"
    np.testing.assert_allclose(result[finite], reference[finite], rtol=rtol, atol=atol)


# ------------------------------------------------------------------------- inputs

FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf])
WRONG_TYPES = [None, "abc", {"x": 1.0}, [[1.0, 2.0], [3.0]], [[1.0, "a"]], 3.0, [],
               np.array([[Value(1.0)]], dtype=object), np.array([["a", "b"]])]


@st.composite
def inputs(draw, shape, elements=FINITE):
    """``(kind, x)``: x meant to have ``shape``, either right or wrong in one way (kind)."""
    kind = draw(st.sampled_from(["good", "good", "shape", "dtype", "layout", "value", "type"]))
    x = draw(hnp.arrays(np.float64, shape, elements=elements))
    if kind == "shape":
        x = draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                          max_side=4), elements=elements))
    elif kind == "dtype":
        dtype = draw(st.sampled_from(["complex", "float16", "float32", "int", "uint8", "bool",
                                      "object", "str"]))
        x = {"complex": lambda: x + 1j, "float16": lambda: x.astype(np.float16),
             "float32": lambda: x.astype(np.float32), "int": lambda: x.astype(np.int64),
             "uint8": lambda: (np.abs(x) % 256).astype(np.uint8), "bool": lambda: x > 0,
             "object": lambda: x.astype(object), "str": lambda: x.astype(str)}[dtype]()
    elif kind == "layout":
        x = draw(st.sampled_from([x.tolist(), np.asfortranarray(x), x.T, np.flip(x),
                                  x.ravel(), x[None], x.reshape(-1, 1)]))
    elif kind == "value" and x.size:
        x = x.copy()
        x.flat[draw(st.integers(0, x.size - 1))] = draw(SPECIAL)
    elif kind == "type":
        x = draw(st.sampled_from(WRONG_TYPES))
    return kind, x


def as_float(x) -> np.ndarray | None:
    """x as float64 for the reference, or None when x is not an array of real numbers."""
    try:
        a = np.asarray(x)
    except ValueError:
        return None
    if a.dtype.kind not in "biuf" or a.dtype == np.float16:
        return None
    return a.astype(np.float64)


SHAPES = st.tuples(st.integers(1, 4), st.integers(1, 4))


# ------------------------------------------------------------------------- layers


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


ACTIVATIONS = {  # layer, its function, its derivative
    "Sigmoid": (bp.Sigmoid, sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "Tanh": (bp.Tanh, np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "ReLU": (bp.ReLU, lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0),
    "LeakyReLU": (bp.LeakyReLU, lambda z: np.where(z > 0, z, 0.01 * z),
                  lambda z: np.where(z > 0, 1.0, 0.01)),
    "Identity": (bp.Identity, lambda z: z, lambda z: np.ones_like(z)),
    "SiLU": (bp.SiLU, lambda z: z * sigmoid(z),
             lambda z: sigmoid(z) + z * sigmoid(z) * (1 - sigmoid(z))),
}


@given(name=st.sampled_from(sorted(ACTIVATIONS)), shape=SHAPES, data=st.data(),
       called=st.booleans())
def test_activation_forward_and_backward(name, shape, data, called):
    cls, f, df = ACTIVATIONS[name]
    layer = cls()
    kind, x = data.draw(inputs(shape))
    y, err = run(lambda: layer(x) if called else layer.forward(x), ieee=not called)
    ref = as_float(x)
    if err is not None:
        assert_clear(err, repr(layer))
        return
    assert ref is not None and ref.ndim >= 1 and ref.shape[0] > 0, kind
    if called or np.isfinite(ref).all():
        assert np.isfinite(ref).all(), "layer(x) let NaN or inf through"
        assert np.isfinite(y).all()
    assert y.dtype.kind == "f"
    with np.errstate(all="ignore"):
        assert_close(y, f(ref), x)
    kind, dy = data.draw(inputs(np.shape(y)))
    dx, err = run(lambda: layer.backward(dy), ieee=True)
    if err is not None:
        assert_clear(err, repr(layer))
        return
    with np.errstate(all="ignore"):
        assert_close(dx, as_float(dy) * df(ref), x, dy)


@given(shape=SHAPES, data=st.data(), called=st.booleans())
def test_linear_forward_and_backward(shape, data, called):
    n, n_in = shape
    layer = bp.Linear(n_in, 3, rng=np.random.default_rng(0))
    kind, x = data.draw(inputs((n, n_in)))
    z, err = run(lambda: layer(x) if called else layer.forward(x), ieee=not called)
    if err is not None:
        assert_clear(err, repr(layer))
        return
    ref = as_float(x)
    assert ref.ndim == 2 and ref.shape[1] == n_in and np.asarray(x).dtype.kind in "biuf"
    n = ref.shape[0]
    if called:
        assert np.isfinite(ref).all()
    W, b = layer.W.copy(), layer.b.copy()
    with np.errstate(all="ignore"):
        assert_close(z, ref @ W.T + b, x)
    kind, dz = data.draw(inputs((n, 3)))
    dx, err = run(lambda: layer.backward(dz), ieee=True)
    if err is not None:
        assert_clear(err, repr(layer))
        return
    g = as_float(dz)
    with np.errstate(all="ignore"):
        assert_close(layer.grads["W"], g.T @ ref, dz)
        assert_close(layer.grads["b"], g.sum(axis=0), dz)
        assert_close(dx, g @ W, dz)


@given(name=st.sampled_from(sorted(ACTIVATIONS) + ["Linear"]), dy=st.sampled_from(
    [np.ones((2, 2)), [[1.0]], None]))
def test_backward_before_forward_says_so(name, dy):
    layer = bp.Linear(2, 2) if name == "Linear" else ACTIVATIONS[name][0]()
    _, err = run(lambda: layer.backward(dy))
    assert isinstance(err, RuntimeError)
    assert_clear(err, repr(layer))


# ------------------------------------------------------------------------- losses


def reference_loss(loss, y, t):
    """Value and true gradient dL/dy of the loss, from its definition, in float64."""
    n = y.shape[0]
    if isinstance(loss, bp.SquaredError):
        return 0.5 * np.sum((y - t) ** 2) / n, (y - t) / n
    if isinstance(loss, bp.BinaryCrossEntropy) and loss.from_logits:
        value = np.sum(np.maximum(y, 0) - t * y + np.log1p(np.exp(-np.abs(y)))) / n
        return value, (sigmoid(y) - t) / n
    if isinstance(loss, bp.BinaryCrossEntropy):
        p = np.clip(y, 1e-12, 1 - 1e-12)
        value = -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)) / n
        return value, (p - t) / (p * (1 - p)) / n
    if t.ndim == 1:  # class labels
        t = np.eye(y.shape[1])[t.astype(int)]
    log_p = y - y.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    # the gradient of -sum t log softmax(y), true for any t: softmax(y) sum(t) - t
    return -np.sum(t * log_p) / n, (np.exp(log_p) * t.sum(axis=1, keepdims=True) - t) / n


@st.composite
def loss_case(draw):
    loss = draw(st.sampled_from([bp.SquaredError(), bp.BinaryCrossEntropy(),
                                 bp.BinaryCrossEntropy(from_logits=True),
                                 bp.SoftmaxCrossEntropy()]))
    n, k = draw(SHAPES)
    probabilities = isinstance(loss, bp.BinaryCrossEntropy) and not loss.from_logits
    y_elements = st.floats(0, 1) if probabilities and draw(st.booleans()) else FINITE
    _, y = draw(inputs((n, k), y_elements))
    if isinstance(loss, bp.SoftmaxCrossEntropy):
        t = draw(st.one_of(
            hnp.arrays(np.int64, n, elements=st.integers(-1, k)),  # labels, some out of range
            hnp.arrays(np.bool_, n),
            hnp.arrays(np.float64, (n, k), elements=st.floats(0, 1)).map(  # distributions
                lambda r: r / r.sum(axis=1, keepdims=True) if (r.sum(axis=1) > 0).all() else r),
            hnp.arrays(np.float64, (n, k), elements=st.floats(-1, 2)),  # any rows
            inputs((n,)).map(lambda kx: kx[1]),
        ))
    elif isinstance(loss, bp.BinaryCrossEntropy):
        t = draw(st.one_of(hnp.arrays(np.float64, (n, k), elements=st.floats(0, 1)),
                           hnp.arrays(np.bool_, (n, k)),
                           inputs((n, k), st.floats(-0.5, 1.5)).map(lambda kx: kx[1])))
    else:
        t = draw(inputs((n, k)).map(lambda kx: kx[1]))
    return loss, y, t


@given(case=loss_case())
def test_losses_give_their_value_and_gradient_or_say_why_not(case):
    loss, y, t = case
    value, err = run(lambda: loss(y, t))
    if err is not None:
        assert_clear(err, repr(loss))
        return
    y64, t64 = as_float(y), as_float(t)
    assert np.isfinite(y64).all() and np.isfinite(t64).all()
    if not isinstance(loss, bp.SoftmaxCrossEntropy) and t64.shape == (len(y64),):
        t64 = t64.reshape(-1, 1)  # (N,) targets for one output
    if np.asarray(y).dtype == np.float32 and t64.ndim == 2:
        t64 = t64.astype(np.float32).astype(np.float64)  # targets take the predictions' dtype
    assert math.isfinite(value) and value >= -1e-12
    ref_value, ref_grad = reference_loss(loss, y64, t64)
    grad = loss.backward()
    assert grad.shape == y64.shape and np.isfinite(grad).all()
    single = np.asarray(y).dtype == np.float32
    assert value == pytest.approx(ref_value, rel=1e-5 if single else 1e-9, abs=1e-12)
    scale = max(1.0, float(np.abs(ref_grad).max()))
    assert np.abs(grad - ref_grad).max() <= 1e-5 * scale  # soft rows may sum to 1 +- 1e-6


@given(loss=st.sampled_from([bp.SquaredError(), bp.BinaryCrossEntropy(),
                             bp.SoftmaxCrossEntropy()]))
def test_loss_backward_before_forward_says_so(loss):
    _, err = run(loss.backward)
    assert isinstance(err, RuntimeError)
    assert_clear(err, repr(loss))


# ------------------------------------------------------------------------- the model


@given(shape=SHAPES, data=st.data())
def test_model_forward_checks_its_data_once_and_for_all(shape, data):
    n, n_in = shape
    rng = np.random.default_rng(0)
    first = data.draw(st.sampled_from(["linear", "activation"]))
    layers = ([bp.Linear(n_in, 3, rng=rng)] if first == "linear" else [bp.Tanh()]) + [
        bp.ReLU(), bp.Linear(3 if first == "linear" else n_in, 2, rng=rng)]
    model = bp.Sequential(*layers)
    kind, x = data.draw(inputs((n, n_in)))
    y, err = run(lambda: model(x))
    if err is not None:
        assert_clear(err, "Sequential", "layer ")
        return
    a = as_float(x)
    assert np.isfinite(a).all() and np.isfinite(y).all()
    for layer in layers:
        a = layer.forward(a)
    assert_close(y, a)


# ------------------------------------------------------------------------- optimizers

NUMBERS = st.one_of(st.floats(0.001, 0.99), st.floats(), st.integers(-3, 3),
                    st.sampled_from([None, "0.1", True, [0.1], np.array([0.1, 0.2]), 1 + 1j,
                                     np.array(0.1)]))
OPTIMIZERS = {
    "SGD": lambda m, a, b: bp.SGD(m, lr=a, momentum=b),
    "Nesterov": lambda m, a, b: bp.SGD(m, lr=a, momentum=b, nesterov=True),
    "RMSProp": lambda m, a, b: bp.RMSProp(m, lr=a, rho=b),
    "Adam": lambda m, a, b: bp.Adam(m, lr=a, beta1=b),
}


@given(name=st.sampled_from(sorted(OPTIMIZERS)), a=NUMBERS, b=NUMBERS)
def test_optimizer_settings_are_numbers_in_range_or_refused(name, a, b):
    model = bp.Sequential(bp.Linear(2, 1))
    opt, err = run(lambda: OPTIMIZERS[name](model, a, b))
    if err is not None:
        assert_clear(err, name.replace("Nesterov", "SGD"))
        return
    assert type(a) in (int, float) and 0 < a < math.inf and type(b) in (int, float)
    assert opt.lr == a and 0 <= b < 1


@given(name=st.sampled_from(sorted(OPTIMIZERS)), data=st.data())
def test_optimizer_step_refuses_bad_gradients_before_changing_anything(name, data):
    model = bp.Sequential(bp.Linear(3, 2, rng=np.random.default_rng(1)))
    opt = OPTIMIZERS[name](model, 0.1, 0.5)
    before = {k: p.copy() for k, p in model.params.items()}
    kind, g = data.draw(inputs((2, 3)))
    model.layers[0].grads["W"] = g  # what a learner might put there
    model.layers[0].grads["b"] = np.ones(2)
    _, err = run(opt.step)
    if err is not None:
        assert_clear(err, type(opt).__name__)
        for k, p in model.params.items():
            np.testing.assert_array_equal(p, before[k])
        assert opt.t == 0
        return
    assert isinstance(g, np.ndarray) and g.shape == (2, 3)
    assert g.dtype.kind in "biu" or g.dtype in (np.float32, np.float64)
    assert np.isfinite(g).all()
    assert all(np.isfinite(p).all() for p in model.params.values())
    if name == "SGD":  # plain or momentum, first step: theta - lr g
        assert_close(model.params["0.W"], before["0.W"] - 0.1 * as_float(g))


# ------------------------------------------------------------------------- fit and helpers


def small_problem(n=12):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 2))
    return x, (x[:, 0] * x[:, 1] > 0).astype(float).reshape(-1, 1)


ARGS = st.one_of(st.just({}), *(st.fixed_dictionaries({key: st.sampled_from(values)})
                                 for key, values in {  # one argument, right or wrong
    "epochs": [-1, 2.5, "3", None, True, 0, 2],
    "batch_size": [0, -4, 2.5, "8", True, None, 4],
    "rng": [0, "seed", None, np.random.default_rng(0)],
    "shuffle": [False],
    "validation": [(np.ones((3, 2)),), (np.ones((3, 5)), np.ones((3, 1))), "val",
                   (np.ones((3, 2)), np.ones((3, 1)))],
    "callbacks": [3, [None], (), [lambda h, m: False]],
    "on_divergence": ["ignore", "stop", "raise"],
}.items()))


@given(data=st.data(), args=ARGS)
def test_fit_runs_or_names_what_is_wrong(data, args):
    x, t = small_problem()
    if data.draw(st.integers(0, 2)) == 0:  # the data wrong, or one argument (ARGS)
        _, x = data.draw(inputs(x.shape))
    rng = np.random.default_rng(0)
    model = bp.Sequential(bp.Linear(2, 4, rng=rng), bp.Tanh(), bp.Linear(4, 1, rng=rng))
    loss = bp.BinaryCrossEntropy(from_logits=True)
    kwargs = {"epochs": 2, "rng": np.random.default_rng(0)} | args
    h, err = run(lambda: bp.fit(model, loss, bp.SGD(model, 0.1), x, t, **kwargs))
    if err is not None:
        assert_clear(err, "fit", "Sequential", "layer ", repr(loss))
        return
    assert all(math.isfinite(v) for v in h.train_loss) and h.diverging_epoch is None
    assert len(h.epoch) == kwargs["epochs"] + 1


@given(lr=st.floats(1e-3, 1e3), seed=st.integers(0, 5))
def test_fit_warns_exactly_when_the_loss_grows_tenfold(lr, seed):
    x, t = small_problem(16)
    rng = np.random.default_rng(seed)
    model = bp.Sequential(bp.Linear(2, 4, rng=rng), bp.Tanh(), bp.Linear(4, 1, rng=rng))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = bp.fit(model, bp.SquaredError(), bp.SGD(model, lr), x, t, epochs=15, batch_size=4,
                   rng=np.random.default_rng(seed), on_divergence="stop")
    warned = [w for w in caught if issubclass(w.category, bp.DivergenceWarning)]
    grew = max(h.train_loss) > 10 * h.train_loss[0]
    event(f"the loss grew tenfold: {grew}")
    assert len(warned) == int(grew)  # once, and only then
    if grew:
        assert "usual causes" in str(warned[0].message) and h.diverging_epoch is not None
    assert all(math.isfinite(v) for v in h.train_loss)


@given(data=st.data())
def test_training_helpers_name_what_is_wrong(data):
    x, t = small_problem()
    model = bp.Sequential(bp.Linear(2, 1))
    entry = data.draw(st.sampled_from(["evaluate", "predicted_classes", "minibatches",
                                       "EarlyStopping", "train_step"]))
    kind, a = data.draw(inputs((12, 1) if entry == "predicted_classes" else x.shape))
    calls = {
        "evaluate": lambda: evaluate(model, bp.SquaredError(), a, t),
        "predicted_classes": lambda: predicted_classes(a),
        "minibatches": lambda: minibatches(data.draw(st.sampled_from([12, -1, 2.5])),
                                           data.draw(st.sampled_from([4, 0, None, "4"])),
                                           None),
        "EarlyStopping": lambda: bp.EarlyStopping(
            patience=data.draw(st.sampled_from([3, 0, 2.5])),
            min_delta=data.draw(st.sampled_from([0.0, -1.0, np.nan, "0", 1e-3]))),
        "train_step": lambda: bp.train_step(model, bp.SquaredError(), bp.SGD(model, 0.1), a,
                                            t),
    }
    result, err = run(calls[entry])
    if err is not None:
        assert_clear(err, entry, "Sequential", "layer ", "SquaredError")
        return
    if entry in ("evaluate", "train_step"):
        value = result[0] if entry == "evaluate" else result
        assert math.isfinite(value) and np.isfinite(as_float(a)).all()
    elif entry == "predicted_classes":
        ref = as_float(a)
        classes = (ref[:, 0] > 0.5) if ref.shape[1] == 1 else np.argmax(ref, axis=1)
        np.testing.assert_array_equal(result, classes)
    elif entry == "minibatches":
        assert sorted(np.concatenate(result)) == list(range(12))


# ------------------------------------------------------------------------- gradient checks


@given(eps=st.one_of(st.floats(1e-7, 1e-3), NUMBERS), data=st.data())
def test_gradient_checks_take_a_positive_step_and_finite_numbers(eps, data):
    entry = data.draw(st.sampled_from(["centered_difference", "numerical_gradient",
                                       "check_layer", "check_loss", "check_model"]))
    kind, x = data.draw(inputs((3, 2)))
    model = bp.Sequential(bp.Linear(2, 2, rng=np.random.default_rng(0)), bp.Tanh())
    f = data.draw(st.sampled_from([lambda: 1.0, lambda: np.nan, lambda: np.ones(2),
                                   lambda: "1"]))
    calls = {
        "centered_difference": lambda: centered_difference(np.sin, data.draw(st.sampled_from(
            [0.5, np.nan, "x", np.ones(2)])), eps),
        "numerical_gradient": lambda: bp.numerical_gradient(f, x, eps),
        "check_layer": lambda: bp.check_layer(bp.Tanh(), x, eps=eps),
        "check_loss": lambda: bp.check_loss(bp.SquaredError(), x, np.zeros((3, 2)), eps=eps),
        "check_model": lambda: bp.check_model(model, bp.SquaredError(), x, np.zeros((3, 2)),
                                              eps=eps),
    }
    result, err = run(calls[entry])
    if err is not None:
        assert_clear(err, entry, "Sequential", "layer ", "SquaredError", "Tanh")
        return
    assert type(eps) in (int, float) and 0 < eps < math.inf
    if entry == "centered_difference":
        assert math.isfinite(result)
    elif entry == "numerical_gradient":
        assert np.isfinite(result).all()
    elif 1e-6 <= eps <= 1e-4 and np.asarray(x).dtype != np.float32 and np.abs(x).max() <= 10:
        assert result.passed(1e-4), result.table()  # a step that resolves the derivative


@given(a=inputs((3,)).map(lambda kx: kx[1]), b=inputs((3,)).map(lambda kx: kx[1]))
def test_rel_error_of_finite_arrays_only(a, b):
    value, err = run(lambda: bp.rel_error(a, b))
    if err is not None:
        assert_clear(err, "rel_error")
        return
    fa, fb = as_float(a), as_float(b)
    assert math.isfinite(value)
    scale = max(1e-8, np.abs(fa).max() + np.abs(fb).max()) if fa.size else 1.0
    assert value == pytest.approx(np.abs(fa - fb).max() / scale if fa.size else 0.0)


# ------------------------------------------------------------------------- the engine

# (no subnormal numbers: a / b is computed as a * b ** -1, and 1 / 1e-320 overflows)
REALS = st.one_of(st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False),
                  st.sampled_from([0.0, -0.0, 709.0, 710.0, -4.0, 1e200]))
OPERATIONS = {  # engine call, IEEE reference value, reference derivative (d out / d a)
    "exp": (lambda a, b: a.exp(), lambda a, b: np.exp(a), lambda a, b: np.exp(a)),
    "log": (lambda a, b: a.log(), lambda a, b: np.log(a), lambda a, b: 1 / a),
    "pow": (lambda a, b: a ** b, lambda a, b: np.power(a, b),
            lambda a, b: 0.0 if b == 0 else b * np.power(a, b - 1)),
    "div": (lambda a, b: a / Value(b), lambda a, b: a / np.float64(b),
            lambda a, b: 1 / np.float64(b)),
    "mul": (lambda a, b: a * b, lambda a, b: a * np.float64(b), lambda a, b: np.float64(b)),
    # (with math.tanh, as the engine: 1 - tanh(a)^2 cancels, and NumPy's tanh may differ by
    # one unit in the last place)
    "tanh": (lambda a, b: a.tanh(), lambda a, b: math.tanh(a),
             lambda a, b: 1 - math.tanh(a) ** 2),
    "sigmoid": (lambda a, b: a.sigmoid(), lambda a, b: 0.5 * (1 + math.tanh(0.5 * a)),
                lambda a, b: (lambda s: s * (1 - s))(0.5 * (1 + math.tanh(0.5 * a)))),
}


@given(name=st.sampled_from(sorted(OPERATIONS)), a=REALS,
       b=st.one_of(REALS, st.sampled_from([0.5, 2, 3, -1, 0])))
def test_engine_gives_the_ieee_result_or_says_there_is_no_real_one(name, a, b):
    op, value, derivative = OPERATIONS[name]
    x = Value(a)
    out, err = run(lambda: op(x, b))
    with np.errstate(all="ignore"):
        ref, dref = float(value(np.float64(a), b)), float(derivative(np.float64(a), b))
    if err is not None:
        assert_clear(err, "Value")
        # only where the reals have no answer: log of x <= 0, a negative base to a
        # fractional power, a division by zero
        assert math.isnan(ref) or (name in ("div", "pow", "log") and math.isinf(ref))
        return
    assert not math.isnan(out.data), "NaN from finite numbers without an error"
    assert out.data == pytest.approx(ref, rel=1e-12, abs=0)
    out.backward()
    if not math.isnan(dref):  # inf * 0 in a derivative is NaN in IEEE too
        assert x.grad == pytest.approx(dref, rel=1e-12, abs=0)


@given(value=st.one_of(REALS, st.sampled_from(WRONG_TYPES[:6]),
                       hnp.arrays(np.float64, hnp.array_shapes(min_dims=1)),
                       st.complex_numbers(allow_nan=False)))
def test_value_holds_one_real_number(value):
    v, err = run(lambda: Value(value))
    if err is not None:
        assert_clear(err, "Value")
        return
    assert v.data == float(value)


@st.composite
def graphs(draw):
    """A random graph of Values: each new node combines two earlier ones."""
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(0, 25))):
        a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        nodes.append(draw(st.sampled_from([a + b, a * b.tanh(), a.tanh() + b, a - b.sigmoid()])))
    return nodes[-1]


@given(out=graphs())
def test_topological_order_is_the_recursive_one_and_backward_agrees_with_it(out):
    order = out.topological_order()
    assert order == recursive_order(out)  # same nodes in the same order as before
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)
    out.backward()
    for leaf in (n for n in order if not n.parents):
        numeric = centered_difference(lambda v, leaf=leaf: _rerun(out, leaf, v), leaf.data)
        assert leaf.grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def _rerun(out, leaf, v):
    """The graph's output with ``leaf`` set to v, recomputed from the recorded operations."""
    ops = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "tanh": math.tanh,
           "sigmoid": sigmoid}
    values = {}
    for node in out.topological_order():
        if node.parents:
            values[id(node)] = ops[node.op](*(values[id(p)] for p in node.parents))
        else:
            values[id(node)] = v if node is leaf else node.data
    return values[id(out)]


def test_backward_on_a_sum_of_1000_terms():  # the case; 100,000: see test_engine.py
    total = Value(0.0)
    for _ in range(1000):
        total = total + Value(1.0)
    total.backward()
    assert total.data == 1000 and len(total.topological_order()) == 2001
