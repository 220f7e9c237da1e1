"""Chapter 1's exercise checks: each accepts the solution and rejects a wrong answer."""

import math

import pytest

from bpkit.engine import Value
from bpkit.exercises import ExerciseError, ch1


def sigmoid(a):
    return 1 / (1 + math.exp(-a))


# Exercise 1.1: derivative of sigma(x**2).

def test_sigmoid_of_square_accepts_the_solution(capsys):
    ch1.check_sigmoid_of_square(lambda x: 2 * x * sigmoid(x * x) * (1 - sigmoid(x * x)))
    assert capsys.readouterr().out.startswith("Correct.")


def test_sigmoid_of_square_rejects_a_missing_inner_derivative():
    with pytest.raises(ExerciseError, match="inner derivative"):
        ch1.check_sigmoid_of_square(lambda x: sigmoid(x * x) * (1 - sigmoid(x * x)))


def test_sigmoid_of_square_reports_a_crash_and_a_non_function():
    with pytest.raises(ExerciseError, match="ZeroDivisionError"):
        ch1.check_sigmoid_of_square(lambda x: 1 / 0)
    with pytest.raises(ExerciseError, match="expected a function"):
        ch1.check_sigmoid_of_square(0.5)


# Exercise 1.2: path products of q = (x*y) * (x + y) at x = 2, y = -3.

def test_path_products_accepts_the_solution_in_any_order(capsys):
    ch1.check_path_products([-6.0, 3.0])
    ch1.check_path_products((3, -6))
    assert capsys.readouterr().out.count("Correct.") == 2


def test_path_products_agree_with_the_engine():
    x, y = Value(2.0), Value(-3.0)
    q = (x * y) * (x + y)
    q.backward()
    assert x.grad == 3.0 + -6.0


@pytest.mark.parametrize("wrong, message", [
    ([-3.0], "expected 2 products"), ([3.0, 6.0], "not right"), (None, "no answer"),
    ("ab", "list of numbers"),
])
def test_path_products_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        ch1.check_path_products(wrong)


# Exercise 1.3: edges and paths of the layered graph.

def test_counts_accepts_the_solution(capsys):
    ch1.check_counts(lambda w, d: w * w * d + w, lambda w, d: w ** d)
    assert capsys.readouterr().out.startswith("Correct.")


def test_counts_rejects_forgetting_the_output_edges():
    with pytest.raises(ExerciseError, match="n_edges"):
        ch1.check_counts(lambda w, d: w * w * d, lambda w, d: w ** d)


def test_counts_rejects_paths_that_grow_linearly():
    with pytest.raises(ExerciseError, match="n_paths"):
        ch1.check_counts(lambda w, d: w * w * d + w, lambda w, d: w * d)


@pytest.mark.parametrize("width, depth", [(1, 0), (2, 3), (3, 2), (4, 1)])
def test_the_closed_forms_match_the_built_graph(width, depth):
    inputs, out = ch1.layered(width, depth)
    assert len(out.edges()) == width * width * depth + width
    assert ch1._enumerate(out, inputs[0]) == width ** depth


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
    assert out.startswith("Correct. 1,099,511,627,776 paths counted with 162 additions")


def test_count_paths_rejects_counting_edges():
    with pytest.raises(ExerciseError, match="width 1, depth 3: got 4 paths, expected 1"):
        ch1.check_count_paths(lambda out, src: len(out.edges()))


def test_count_paths_rejects_a_crash_on_a_foreign_node():
    def no_default(output, source):
        order = output.topological_order()
        count = {id(v): 0 for v in order}
        count[id(output)] = 1
        for node in reversed(order):
            for parent in node.parents:
                count[id(parent)] += count[id(node)]
        return count.get(id(source), 1)  # wrong: a node outside the graph has no path

    with pytest.raises(ExerciseError, match="0 paths"):
        ch1.check_count_paths(no_default)
