"""bpkit: backpropagation you can read, in NumPy.

The companion library of the backprop book. Its core imports only NumPy; the symbolic
checks (:mod:`bpkit.symbolic`) need SymPy, and the widgets need matplotlib and ipywidgets.
"""

from . import engine, gradcheck, layers, losses, model, optim, train
from .gradcheck import check_layer, check_loss, check_model, numerical_gradient, rel_error
from .layers import Identity, LeakyReLU, Linear, ReLU, Sigmoid, SiLU, Tanh
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError
from .model import Sequential
from .optim import SGD
from .train import DivergenceError, train_step

__version__ = "0.1.0"

__all__ = [
    "engine", "gradcheck", "layers", "losses", "model", "optim", "train",
    "check_layer", "check_loss", "check_model", "numerical_gradient", "rel_error",
    "Identity", "LeakyReLU", "Linear", "ReLU", "Sigmoid", "SiLU", "Tanh",
    "BinaryCrossEntropy", "SoftmaxCrossEntropy", "SquaredError",
    "Sequential", "SGD", "DivergenceError", "train_step",
]
