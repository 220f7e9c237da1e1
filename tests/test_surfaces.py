"""The 2-D surfaces: gradients against centered differences, and optimizers running on them."""

import numpy as np
import pytest

from bpkit.gradcheck import numerical_gradient, rel_error
from bpkit.optim import SGD, Adam
from bpkit.surfaces import Point, Quadratic, Rosenbrock, descend

SURFACES = [Quadratic(), Quadratic(A=[[3.0, 1.0], [1.0, 2.0]]), Rosenbrock(),
            Rosenbrock(a=0.5, b=10.0)]


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_gradient_matches_centered_differences(surface):
    rng = np.random.default_rng(0)
    for _ in range(5):
        point = Point(surface, rng.uniform(-1.5, 1.5, size=2))
        point.forward()
        numeric = numerical_gradient(point.forward, point.params["xy"])
        point.forward()
        assert rel_error(point.grads["xy"], numeric) < 1e-8


def test_values_at_known_points():
    assert Quadratic().f(2.0, 1.0) == pytest.approx(0.5 * (4 + 20))
    assert Quadratic(A=[[3, 1], [1, 2]]).f(1.0, 1.0) == pytest.approx(0.5 * (3 + 2 + 2))
    r = Rosenbrock()
    assert r.f(1.0, 1.0) == 0.0 and r.grad(1.0, 1.0) == (0.0, 0.0)
    assert r.f(0.0, 0.0) == 1.0
    np.testing.assert_allclose(Quadratic().curvatures, [1.0, 20.0])


def test_surfaces_work_on_grids():
    X, Y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3))
    assert Rosenbrock().f(X, Y).shape == (3, 4)
    assert Quadratic().f(X, Y).shape == (3, 4)


def test_gradient_descent_stability_edge_is_two_over_the_largest_curvature():
    q = Quadratic()  # curvatures 1 and 20: stable for lr < 2/20 = 0.1
    _, below = descend(q, lambda p: SGD(p, lr=0.099), 300)
    _, above = descend(q, lambda p: SGD(p, lr=0.101), 300)
    assert below[-1] < 1e-4 * below[0]  # slowly: the steep direction shrinks by 0.98 a step
    assert above[-1] > above[0]


def test_descend_records_the_path_and_stops_when_diverging():
    path, losses = descend(Rosenbrock(), lambda p: Adam(p, lr=0.1), 1000)
    assert path.shape == (1001, 2) and losses.shape == (1001,)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-2)
    assert losses[0] == pytest.approx(Rosenbrock().f(-1.5, 2.0))
    path, losses = descend(Rosenbrock(), lambda p: SGD(p, lr=0.01), 1000)
    assert len(path) == len(losses) < 50
    assert not np.isfinite(losses[-1]) or losses[-1] > 1e12


def test_point_keeps_float32():
    point = Point(Quadratic(), dtype=np.float32)
    point.forward()
    Adam(point, lr=0.1).step()
    assert point.params["xy"].dtype == np.float32 == point.grads["xy"].dtype


@pytest.mark.parametrize("A, match", [([[1, 0], [0, -1]], "positive definite"),
                                      ([[1, 2], [0, 1]], "symmetric"),
                                      ([1, 2, 3], "2x2 matrix")])
def test_quadratic_refuses_a_bad_matrix(A, match):
    with pytest.raises(ValueError, match=match):
        Quadratic(A=A)


def test_bad_inputs_are_named():
    with pytest.raises(TypeError, match="needs a bpkit.surfaces.Surface"):
        Point(lambda x, y: x)
    with pytest.raises(ValueError, match="two numbers"):
        Point(Quadratic(), start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="non-negative integer"):
        descend(Quadratic(), lambda p: SGD(p, lr=0.1), -1)
