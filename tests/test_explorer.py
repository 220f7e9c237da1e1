"""The network explorer, driven from code: its gradients match SymPy, Step lowers the loss."""

import numpy as np
import pytest
import sympy as sp

from bpkit import worked_example as we
from bpkit.widgets.explorer import NetworkExplorer

SYMBOLS = sp.symbols(" ".join(we.PARAM_NAMES))
X1, X2, T = sp.symbols("x1 x2 t")


def _sympy_loss():
    p = dict(zip(we.PARAM_NAMES, SYMBOLS, strict=True))

    def sigma(z):
        return 1 / (1 + sp.exp(-z))

    h1 = sigma(p["w11"] * X1 + p["w12"] * X2 + p["b1"])
    h2 = sigma(p["w21"] * X1 + p["w22"] * X2 + p["b2"])
    y = sigma(p["w31"] * h1 + p["w32"] * h2 + p["b3"])
    return (y - T) ** 2 / 2


LOSS = _sympy_loss()
ARGS = (*SYMBOLS, X1, X2, T)
LOSS_FN = sp.lambdify(ARGS, LOSS, "math")
GRAD_FNS = {n: sp.lambdify(ARGS, sp.diff(LOSS, s), "math")
            for n, s in zip(we.PARAM_NAMES, SYMBOLS, strict=True)}


def sympy_values(ex):
    args = (*(ex.params[n] for n in we.PARAM_NAMES), *ex.x, ex.target)
    return LOSS_FN(*args), {n: f(*args) for n, f in GRAD_FNS.items()}


@pytest.fixture(scope="module")
def ex():
    return NetworkExplorer()


def test_initial_gradients_match_sympy(ex):
    ex.reset()
    loss, grads = sympy_values(ex)
    assert ex.loss == pytest.approx(loss, rel=1e-12)
    assert ex.loss == pytest.approx(0.274811083176155, rel=1e-12)
    for n in we.PARAM_NAMES:
        assert ex.gradients[n] == pytest.approx(grads[n], rel=1e-10, abs=1e-15), n


def test_sliders_set_from_code_match_sympy(ex):
    ex.reset()
    rng = np.random.default_rng(1)
    for _ in range(3):
        ex.set(**{n: float(rng.uniform(-2, 2)) for n in we.PARAM_NAMES})
        ex.set(x1=float(rng.uniform(-1, 1)), x2=float(rng.uniform(-1, 1)))
        ex.controls = {**ex.controls, "t": float(rng.uniform(0, 1))}  # as the page sends it
        loss, grads = sympy_values(ex)
        assert ex.loss == pytest.approx(loss, rel=1e-12)
        for n in we.PARAM_NAMES:
            assert ex.gradients[n] == pytest.approx(grads[n], rel=1e-9, abs=1e-14), n
        assert len(ex.history) == 1  # moving a slider starts a new history
    ex.reset()


def test_step_lowers_the_loss_for_a_small_learning_rate(ex):
    ex.reset()
    ex.set(lr=0.1)
    before, grads, params = ex.loss, dict(ex.gradients), ex.params
    after = ex.step()
    assert after < before
    assert ex.history == [before, after]
    for n in we.PARAM_NAMES:
        assert ex.params[n] == pytest.approx(params[n] - 0.1 * grads[n], abs=1e-15)
    for _ in range(5):
        ex.step()
    assert len(ex.history) == 7
    assert all(b < a for a, b in zip(ex.history, ex.history[1:], strict=False))
    ex.reset()


def test_reset_returns_to_the_start(ex):
    start_loss, start_grads = NetworkExplorer().loss, NetworkExplorer().gradients
    ex.set(w31=-1.0, lr=5.0)
    ex._on_message(ex, {"event": "step"}, [])  # what the Step button sends
    assert len(ex.history) == 2
    ex._on_message(ex, {"event": "reset"}, [])
    assert ex.params == we.START
    assert ex.x == we.X_START and ex.target == we.T_START
    assert ex.lr == pytest.approx(0.5)
    assert ex.history == [start_loss]
    assert ex.gradients == start_grads


def test_eta_and_the_slice_keep_the_history_a_weight_restarts_it(ex):
    ex.reset()
    ex.step()
    ex.set(lr=0.05)
    ex.set(weight="b1")
    assert len(ex.history) == 2 and len(ex.result["slice"]) == 121
    assert ex.result["slice"][60] == pytest.approx(ex.loss, rel=1e-12)  # offset 0 is here
    ex.set(b1=0.0)
    assert len(ex.history) == 1
    ex.reset()


def test_the_website_fallback_holds_the_state(ex):
    ex.reset()
    bundle, _ = ex._repr_mimebundle_()
    html = bundle["text/html"]
    assert html.startswith('<div class="bpkit-widget" data-widget="explorer">')
    for trait in ("controls", "initial", "result", "history"):
        assert f'"{trait}":' in html


def test_a_step_far_beyond_a_slider_range_is_kept():
    ex = NetworkExplorer(t=0.0, lr=100.0)
    expected = ex.controls["b3"] - 100.0 * ex.gradients["b3"]
    assert expected < -4.0  # below the slider's starting range; the page widens the range
    ex.step()
    assert ex.controls["b3"] == pytest.approx(expected, abs=1e-12)
    assert all(np.isfinite(ex.history))


def test_clear_errors():
    with pytest.raises(ValueError, match="weight must be one of"):
        NetworkExplorer(weight="w13")
    with pytest.raises(ValueError, match="x must be a pair"):
        NetworkExplorer(x=(0.1, 0.2, 0.3))
    ex = NetworkExplorer()
    with pytest.raises(ValueError, match=r"unknown control\(s\) \['w13'\]"):
        ex.set(w13=1.0)
    with pytest.raises(ValueError, match="w11 must be a finite number, got nan"):
        ex.set(w11=float("nan"))
    with pytest.raises(ValueError, match="lr must be positive, got -0.1"):
        ex.set(lr=-0.1)
    with pytest.raises(ValueError, match=r"t must lie in \[0, 1\].*got 1.5"):
        ex.set(t=1.5)
