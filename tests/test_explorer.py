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
        for n in we.PARAM_NAMES:
            getattr(ex, n).value = float(rng.uniform(-2, 2))
        ex.x1.value, ex.x2.value = (float(v) for v in rng.uniform(-1, 1, 2))
        ex.t.value = float(rng.uniform(0, 1))
        loss, grads = sympy_values(ex)
        assert ex.loss == pytest.approx(loss, rel=1e-12)
        for n in we.PARAM_NAMES:
            assert ex.gradients[n] == pytest.approx(grads[n], rel=1e-9, abs=1e-14), n
        assert len(ex.history) == 1  # moving a slider starts a new history
    ex.reset()


def test_step_lowers_the_loss_for_a_small_learning_rate(ex):
    ex.reset()
    ex.lr.value = 0.1
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
    ex.w31.value = -1.0
    ex.lr.value = 5.0
    ex.step()
    ex.reset()
    assert ex.params == we.START
    assert ex.x == we.X_START and ex.target == we.T_START
    assert ex.lr.value == pytest.approx(0.5)
    assert ex.history == [start_loss]
    assert ex.gradients == start_grads


def test_the_picture_is_a_png_and_is_redrawn(ex):
    ex.reset()
    first = ex.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    ex.w12.value = 1.0
    assert ex.image.value != first
    ex.weight.value = "b1"  # another slice
    assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "b1" in ex.table.value and f"{ex.loss:.6g}" in ex.loss_label.value
    ex.reset()
    assert ex.image.value == first  # the drawing depends only on the state


def test_a_step_beyond_a_slider_range_widens_it():
    ex = NetworkExplorer(t=0.0, lr=100.0)
    expected = ex.b3.value - 100.0 * ex.gradients["b3"]
    assert expected < -4.0  # below the slider's starting range
    ex.step()
    assert ex.b3.value == pytest.approx(expected, abs=1e-12)
    assert ex.b3.min <= ex.b3.value and ex.b3.min < -4.0
    assert all(np.isfinite(ex.history))


def test_clear_errors():
    with pytest.raises(ValueError, match="weight must be one of"):
        NetworkExplorer(weight="w13")
    with pytest.raises(ValueError, match="x must be a pair"):
        NetworkExplorer(x=(0.1, 0.2, 0.3))
