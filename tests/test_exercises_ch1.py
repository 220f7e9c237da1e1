"""Chapter 1's exercise checks: each accepts the solution and rejects a wrong answer.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise in a kernel and checks that no message gives the answer away.
"""

import math

import pytest

from bpkit.engine import Value
from bpkit.exercises import ExerciseError, ch1

#: A plausible wrong answer cell per exercise, defining the names the check cell uses.
WRONG_ANSWERS = {
    "1.1": ("def dF(x):\n"
            "    s = 1 / (1 + math.exp(-x * x))\n"
            "    return s * (1 - s)  # the inner derivative forgotten\n"),
    "1.2": "products = [3.0, 6.0]  # one sign lost\n",
    "1.3": ("def n_edges(width, depth):\n"
            "    return width * width * depth  # the edges into the output forgotten\n"
            "\n"
            "def n_paths(width, depth):\n"
            "    return width ** depth\n"),
    "1.4": ("def count_paths(output, source):\n"
            "    return len(output.edges())  # counts edges, not paths\n"),
}

#: What would give each answer away if a message printed it.
ANSWER_STRINGS = {
    "1.1": ["2x σ(x²)(1 − σ(x²))", "σ(x²)(1 − σ(x²))", "2*x*s*(1-s)", "s * (1 - s) * 2",
            "2 * x * s", "2*x*sigma", "2x sigma(x**2)", "sigma(x**2)(1 - sigma(x**2))",
            "sigma(x**2) * (1 - sigma(x**2))"],
    "1.2": ["-6.0", "3.0", "-3.0", "3 and -6", "-6 and 3", "give 3", "[3", "[-6"],
    "1.3": ["width ** depth", "width**depth", "width^depth", "w ** d", "w**d",
            "width * width * depth", "width**2 * depth", "width² · depth", "w * w * d",
            "+ width"],
    "1.4": ["count[id(parent)] += count[id(node)]", "reversed(order)", "count.get(id(source)",
            "+= count"],
}


def sigmoid(a):
    return 1 / (1 + math.exp(-a))


def no_message_gives_away(exercise, text):
    return not [s for s in ANSWER_STRINGS[exercise] if s in text]


# Exercise 1.1: derivative of sigma(x**2).

def test_sigmoid_of_square_accepts_the_solution(capsys):
    ch1.check_sigmoid_of_square(lambda x: 2 * x * sigmoid(x * x) * (1 - sigmoid(x * x)))
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and no_message_gives_away("1.1", out)


@pytest.mark.parametrize("wrong, message", [
    (lambda x: sigmoid(x * x) * (1 - sigmoid(x * x)), "derivative of the inner function"),
    (lambda x: 2 * x * sigmoid(x) * (1 - sigmoid(x)), "at the inner function's value"),
    (lambda x: 2 * x * sigmoid(x * x), "not the sigmoid itself"),
    (lambda x: -2 * x * sigmoid(x * x) * (1 - sigmoid(x * x)), "sign is flipped"),
    (lambda x: x, "not right yet"),
])
def test_sigmoid_of_square_names_the_slip(wrong, message):
    with pytest.raises(ExerciseError, match=message) as err:
        ch1.check_sigmoid_of_square(wrong)
    assert no_message_gives_away("1.1", str(err.value))


def test_sigmoid_of_square_reports_a_crash_a_non_function_and_no_answer(no_answer_yet):
    with pytest.raises(ExerciseError, match="ZeroDivisionError"):
        ch1.check_sigmoid_of_square(lambda x: 1 / 0)
    with pytest.raises(ExerciseError, match="expected a function"):
        ch1.check_sigmoid_of_square(0.5)
    with pytest.raises(ExerciseError, match="returned None"):
        ch1.check_sigmoid_of_square(lambda x: None)
    out = no_answer_yet("1.1", ch1.check_sigmoid_of_square, None)
    assert out.startswith("Exercise 1.1, dF: no answer yet.")

    def stub(x):
        raise NotImplementedError("write dF here")

    assert no_answer_yet("1.1", ch1.check_sigmoid_of_square, stub) == out


# Exercise 1.2: path products of q = (x*y) * (x + y) at x = 2, y = -3.

def test_path_products_accepts_the_solution_in_any_order(capsys):
    ch1.check_path_products([-6.0, 3.0])
    ch1.check_path_products((3, -6))
    out = capsys.readouterr().out
    assert out.count("Correct.") == 2 and no_message_gives_away("1.2", out)


def test_path_products_agree_with_the_engine():
    x, y = Value(ch1.PATH_POINT["x"]), Value(ch1.PATH_POINT["y"])
    q = (x * y) * (x + y)
    q.backward()
    assert x.grad == 3.0 + -6.0


@pytest.mark.parametrize("wrong, message", [
    ([-3.0], "expected 2 products"), ([3.0, 6.0], "One of your two products is right"),
    ([-3.0, 6.0], "Both signs are flipped"), ([1.0, 2.0], "not right yet"),
    ("ab", "list of two numbers"),
])
def test_path_products_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message) as err:
        ch1.check_path_products(wrong)
    assert no_message_gives_away("1.2", str(err.value))


def test_path_products_without_an_answer(no_answer_yet):
    assert no_message_gives_away("1.2", no_answer_yet("1.2", ch1.check_path_products, None))


# Exercise 1.3: edges and paths of the layered graph.

def test_counts_accepts_the_solution(capsys):
    ch1.check_counts(lambda w, d: w * w * d + w, lambda w, d: w ** d)
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and no_message_gives_away("1.3", out)


def test_counts_rejects_forgetting_the_output_edges():
    with pytest.raises(ExerciseError, match="edges into the output are missing") as err:
        ch1.check_counts(lambda w, d: w * w * d, lambda w, d: w ** d)
    assert no_message_gives_away("1.3", str(err.value))


def test_counts_rejects_paths_that_grow_linearly():
    with pytest.raises(ExerciseError, match="n_paths") as err:
        ch1.check_counts(lambda w, d: w * w * d + w, lambda w, d: w * d)
    assert no_message_gives_away("1.3", str(err.value))


def test_counts_rejects_an_inexact_float_for_deep_graphs():
    with pytest.raises(ExerciseError, match="deep graph"):
        ch1.check_counts(lambda w, d: w * w * d + w,
                         lambda w, d: w ** d if d < 10 else w ** d - 1)


def test_counts_reports_no_answer_and_a_non_number(no_answer_yet):
    def stub(width, depth):
        raise NotImplementedError("write n_edges here")

    assert "n_edges: no answer yet" in no_answer_yet("1.3", ch1.check_counts, stub, stub)
    assert "n_paths: no answer yet" in no_answer_yet("1.3", ch1.check_counts,
                                                     lambda w, d: w * w * d + w, stub)
    assert "n_edges: no answer yet" in no_answer_yet("1.3", ch1.check_counts, None, None)
    with pytest.raises(ExerciseError, match="whole number"):
        ch1.check_counts(lambda w, d: "many", lambda w, d: w ** d)


@pytest.mark.parametrize("width, depth", [(1, 0), (2, 3), (3, 2), (4, 1)])
def test_the_closed_forms_match_the_built_graph(width, depth):
    inputs, out = ch1.layered(width, depth)
    assert len(out.edges()) == width * width * depth + width
    assert ch1._enumerate(out, inputs[0]) == width ** depth == ch1._count_by_pass(out, inputs[0])


def test_layered_rejects_a_bad_size():
    with pytest.raises(ValueError, match="width >= 1"):
        ch1.layered(0, 3)


# Exercise 1.4: count paths in one pass over the edges.

def count_paths_solution(output, source):
    order = output.topological_order()
    count = {id(v): 0 for v in order}
    count[id(output)] = 1
    for node in reversed(order):
        for parent in node.parents:
            count[id(parent)] += count[id(node)]
    return count.get(id(source), 0)


def test_count_paths_accepts_the_solution(capsys):
    ch1.check_count_paths(count_paths_solution)
    out = capsys.readouterr().out
    assert out.startswith("Correct. Your function counted the 1,099,511,627,776 paths")
    assert "162 edges" in out and no_message_gives_away("1.4", out)


def test_count_paths_rejects_counting_edges():
    with pytest.raises(ExerciseError, match="width 1 and depth 3") as err:
        ch1.check_count_paths(lambda out, src: len(out.edges()))
    assert "expected" not in str(err.value) and no_message_gives_away("1.4", str(err.value))


def test_count_paths_rejects_a_count_for_a_foreign_node():
    def no_default(output, source):
        order = output.topological_order()
        count = {id(v): 0 for v in order}
        count[id(output)] = 1
        for node in reversed(order):
            for parent in node.parents:
                count[id(parent)] += count[id(node)]
        return count.get(id(source), 1)  # wrong: a node outside the graph has no path

    with pytest.raises(ExerciseError, match="not in the graph"):
        ch1.check_count_paths(no_default)


def test_count_paths_reports_no_answer_and_a_crash(no_answer_yet):
    def stub(output, source):
        raise NotImplementedError("write count_paths here")

    no_answer_yet("1.4", ch1.check_count_paths, stub)
    no_answer_yet("1.4", ch1.check_count_paths, None)
    with pytest.raises(ExerciseError, match="KeyError"):
        ch1.check_count_paths(lambda output, source: {}[id(source)])
