"""The convolution explorer's front-end (bpkit/widgets/js/conv.js) gives bpkit's numbers.

port.js's Chapter 9 section (``outputSize``, ``conv2dReference``, ``conv2dBackwardReference``,
``convState``) runs in V8 (mini-racer) on random images, kernels, channels, strides and
paddings, and on every setting of the explorer, and is compared with bpkit's
``output_size``, ``conv2d_reference``, ``conv2d_backward_reference`` and
``bpkit.widgets.conv.conv_state`` to ``|js - bpkit| <= 1e-12 |bpkit| + 1e-16``
(tests/port_compare.py); the loops add in the same order, so most numbers are equal.
"""

import json
from functools import partial

import numpy as np
import port_compare
import pytest
from port_compare import RTOL, evaluator, v8

from bpkit.conv import conv2d_backward_reference, conv2d_reference, output_size
from bpkit.widgets.conv import FIXED_KERNELS, SIDE, ConvExplorer, conv_state, default_digits
from bpkit.widgets.frontend import module_source

STATS = port_compare.new_stats()
worst_relative_error = partial(port_compare.worst_relative_error, stats=STATS)


@pytest.fixture(scope="module")
def js():
    # the page script, and the module's functions at the top level of the context too
    ctx = v8("conv", sources=[module_source("conv").replace("\nexport default ",
                                                            "\nvar convModule = ")])
    yield evaluator(ctx)
    ctx.close()


def test_output_size_matches_bpkit_and_refuses_what_bpkit_refuses(js):
    for n in range(1, 12):
        for k in range(1, 6):
            for s in range(1, 4):
                for p in range(0, 3):
                    try:
                        expected = output_size(n, k, s, p)
                    except ValueError:
                        expected = None
                    got = js(f"(() => {{ try {{ return outputSize({n}, {k}, {s}, {p}); }}"
                             " catch (e) { return null; } })()")
                    assert got == expected, (n, k, s, p)


def test_convolution_forward_and_backward_match_bpkit_on_200_random_cases(js):
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(200):
        n, c_in, c_out = (int(v) for v in rng.integers(1, 4, 3))
        k, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        padding = int(rng.integers(0, 3))
        side = k + stride * int(rng.integers(0, 4)) - 2 * padding
        if side < 1:
            continue
        x = rng.standard_normal((n, c_in, side, side))
        W, b = rng.standard_normal((c_out, c_in, k, k)), rng.standard_normal(c_out)
        y = conv2d_reference(x, W, b, stride, padding)
        dy = rng.standard_normal(y.shape)
        dx, dW, db = conv2d_backward_reference(x, W, dy, stride, padding)
        args = ", ".join(json.dumps(a.tolist()) for a in (x, W))
        got_y = js(f"conv2dReference({args}, {json.dumps(b.tolist())}, {stride}, {padding})")
        got = js(f"conv2dBackwardReference({args}, {json.dumps(dy.tolist())}, {stride}, "
                 f"{padding})")
        worst = max(worst, worst_relative_error(
            {"y": got_y, **got}, {"y": y.tolist(), "dx": dx.tolist(), "dW": dW.tolist(),
                                  "db": db.tolist()}))
    print(f"conv2d: worst relative error {worst:.2e}; {STATS}")
    assert worst < RTOL


def test_every_setting_of_the_explorer_matches_conv_state(js):
    rng = np.random.default_rng(1)
    kernels = {**FIXED_KERNELS, "random": rng.standard_normal((3, 3))}
    widget = ConvExplorer(kernels=kernels)
    data = widget.data
    worst = 0.0
    for digit in range(len(data["digits"])):
        for kernel in range(len(data["kernels"])):
            for i in range(SIDE):
                for j in range(SIDE):
                    c = {"digit": digit, "kernel": kernel, "i": i, "j": j}
                    got = js(f"window.bpkitWidgets.conv.compute("
                             f"{json.dumps({'controls': c, 'data': data})}, {{}})")
                    worst = max(worst, worst_relative_error(got["result"], conv_state(c, data)))
    print(f"convState: worst relative error {worst:.2e} over every setting")
    assert worst < RTOL


def test_the_gradients_are_the_window_and_the_placed_kernel():
    """What the widget teaches, checked on bpkit's numbers: dW is the window, dx the kernel
    on the window (cut at the border), db is 1."""
    digits = default_digits()
    widget = ConvExplorer(images=digits)
    for i, j in ((0, 0), (3, 4), (7, 7), (0, 6)):
        widget.set(kernel=0, i=i, j=j)
        np.testing.assert_array_equal(widget.dW, widget.window)
        W = np.array(FIXED_KERNELS["vertical edge"])
        placed = np.zeros((SIDE + 2, SIDE + 2))
        placed[i:i + 3, j:j + 3] = W
        np.testing.assert_array_equal(widget.dx, placed[1:-1, 1:-1])
        assert widget.result["db"] == 1.0
        assert widget.value == pytest.approx(float((W * widget.window).sum()), abs=1e-12)


def test_reset_action_matches_the_python_reset(js):
    widget = ConvExplorer(digit=1, kernel=2, i=5, j=6)
    state = {"controls": {"digit": 0, "kernel": 0, "i": 0, "j": 0}, "initial": widget.initial,
             "data": widget.data}
    got = js(f"window.bpkitWidgets.conv.actions.reset({json.dumps(state)})")
    widget.set(digit=0, kernel=0, i=0, j=0)
    widget.reset()
    assert got["controls"] == widget.controls
    assert worst_relative_error(got["result"], widget.result) < RTOL


@pytest.mark.parametrize("bad, match", [
    ({"digit": 9}, "digit must be an integer from 0 to 3"),
    ({"i": 8}, "i must be an integer from 0 to 7"),
    ({"j": -1}, "j must be an integer"),
    ({"kernel": 1.5}, "kernel must be an integer"),
    ({"stride": 2}, "unknown control 'stride'"),
])
def test_bad_settings_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        ConvExplorer().set(**bad)


def test_bad_data_is_refused():
    with pytest.raises(ValueError, match=r"kernel 'k' must be a finite array of shape \(3, 3\)"):
        ConvExplorer(kernels={"k": np.ones((2, 2))})
    with pytest.raises(ValueError, match="image 'a' must be a finite array"):
        ConvExplorer(images={"a": np.full((8, 8), np.nan)})
