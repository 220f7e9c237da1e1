"""The rules that Chapter 4, section 4.1 derives for the classification losses, checked on
bpkit's losses: SymPy's derivative, bpkit's backward pass and centered differences agree;
the softmax Jacobian's product collapses to p - t; the logit forms are stable where a
probability computed first is not."""

import numpy as np
import pytest
import sympy as sp

import bpkit as bp
from bpkit.symbolic import three_way

z, t = sp.symbols("z t", real=True)
SIGMA = 1 / (1 + sp.exp(-z))
BCE = -(t * sp.log(SIGMA) + (1 - t) * sp.log(1 - SIGMA))


def softmax_column(zs):
    exps = [sp.exp(zk) for zk in zs]
    return sp.Matrix([e / sum(exps) for e in exps])


def test_binary_cross_entropy_derivative_is_sigmoid_minus_target():
    assert sp.simplify(sp.diff(BCE, z) - (SIGMA - t)) == 0
    # the stable form log(1 + e^z) - t z is the same function
    assert sp.simplify(sp.expand_log(BCE - (sp.log(1 + sp.exp(z)) - t * z), force=True)) == 0


def test_binary_cross_entropy_from_logits_three_way_with_the_batch_average():
    zs = sp.symbols("z1:5", real=True)
    targets = (1, 0, 1, 0.3)  # soft targets in [0, 1] follow the same rule
    L = sum(BCE.subs({z: zn, t: tn}) for zn, tn in zip(zs, targets, strict=True)) / len(zs)
    at = dict(zip(zs, (0.8, -1.5, -2.0, 3.1), strict=True))
    loss = bp.BinaryCrossEntropy(from_logits=True)
    tt = np.array(targets, dtype=float).reshape(-1, 1)

    def forward(p):
        return loss(np.array([[p[str(s)]] for s in zs]), tt)

    logits = np.array(list(at.values())).reshape(-1, 1)
    loss(logits, tt)
    dz = loss.backward()
    report = three_way(L, at, {str(s): dz[n, 0] for n, s in enumerate(zs)}, forward=forward)
    assert report.max_error < 1e-7
    np.testing.assert_allclose(dz, (1 / (1 + np.exp(-logits)) - tt) / len(zs), rtol=1e-13)


@pytest.mark.parametrize("zv", [40.0, 100.0, 800.0, -800.0])
def test_binary_cross_entropy_from_logits_is_stable(zv):
    loss = bp.BinaryCrossEntropy(from_logits=True)
    for tv in (0.0, 1.0):
        value = loss(np.array([[zv]]), np.array([[tv]]))
        exact = max(zv, 0) - tv * zv + np.log1p(np.exp(-abs(zv)))
        assert np.isfinite(value) and value == pytest.approx(exact, rel=1e-15)
        expected = (1.0 if zv > 0 else 0.0) - tv
        assert loss.backward()[0, 0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("zv", [37.0, 40.0, 800.0])
def test_probability_first_loses_the_gradient_of_a_confidently_wrong_output(zv):
    """What the docstring of BinaryCrossEntropy and the chapter say about p computed first."""
    sigmoid, loss = bp.Sigmoid(), bp.BinaryCrossEntropy()
    value = loss(sigmoid(np.array([[zv]])), np.zeros((1, 1)))
    assert value == pytest.approx(-np.log(loss.eps), rel=1e-6)  # clipped, about 27.6
    assert sigmoid.backward(loss.backward())[0, 0] == 0.0


def test_softmax_jacobian_and_its_product_with_dl_dp():
    zs = sp.symbols("z1:4", real=True)
    p = softmax_column(zs)
    J = p.jacobian(zs)
    assert sp.simplify(J - (sp.diag(*p) - p * p.T)) == sp.zeros(3, 3)
    for tvec in ([0, 1, 0], [sp.Rational(1, 5), 0, sp.Rational(4, 5)]):  # one-hot and soft
        tcol = sp.Matrix(tvec)
        dl_dp = sp.Matrix([-tcol[k] / p[k] for k in range(3)])
        assert sp.simplify(J.T * dl_dp - (p - tcol)) == sp.zeros(3, 1)
        ell = -sum(tcol[k] * sp.log(p[k]) for k in range(3))
        grad = sp.Matrix([sp.diff(ell, zk) for zk in zs])
        assert sp.simplify(grad - (p - tcol)) == sp.zeros(3, 1)


def test_softmax_cross_entropy_three_way():
    zs = sp.symbols("z1:4", real=True)
    p = softmax_column(zs)
    ell = -sp.log(p[1])
    at = dict(zip(zs, (1.0, -0.5, 2.0), strict=True))
    loss = bp.SoftmaxCrossEntropy()

    def forward(q):
        return loss(np.array([[q["z1"], q["z2"], q["z3"]]]), np.array([1]))

    forward({str(s): v for s, v in at.items()})
    dz = loss.backward()
    report = three_way(ell, at, {f"z{k + 1}": dz[0, k] for k in range(3)}, forward=forward)
    assert report.max_error < 1e-7


def test_fused_softmax_backward_equals_the_jacobian_route():
    rng = np.random.default_rng(0)
    n, k = 4, 50
    logits = 3 * rng.standard_normal((n, k))
    labels = rng.integers(0, k, size=n)
    one_hot = np.eye(k)[labels]
    soft = rng.dirichlet(np.ones(k), size=n)
    loss = bp.SoftmaxCrossEntropy()
    for targets in (labels, one_hot, soft):
        loss(logits, targets)
        fused = loss.backward()
        tt = one_hot if targets is labels else targets
        for i in range(n):
            p = loss.p[i]
            J = np.diag(p) - np.outer(p, p)
            np.testing.assert_allclose(J.T @ (-tt[i] / p) / n, fused[i], rtol=1e-9, atol=1e-15)


def test_softmax_cross_entropy_depends_only_on_logit_differences():
    loss = bp.SoftmaxCrossEntropy()
    base = np.array([[0.0, 1.0, 2.0]])
    small = loss(base, np.array([0]))
    large = loss(base + 1000.0, np.array([0]))
    assert np.isfinite(large) and large == pytest.approx(small, rel=1e-14)
    assert small == pytest.approx(2 + np.log1p(np.exp(-1) + np.exp(-2)), rel=1e-14)
