"""bpkit: backpropagation you can read, in NumPy.

The companion library of the backprop book. Its core imports only NumPy; the symbolic
checks (:mod:`bpkit.symbolic`) need SymPy, and :mod:`bpkit.plot` and :mod:`bpkit.widgets`
need matplotlib and ipywidgets (import those modules explicitly).
"""

from . import (
    conv,
    datasets,
    engine,
    gradcheck,
    layers,
    losses,
    model,
    optim,
    recurrent,
    surfaces,
    train,
    worked_example,
)
from .conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from .gradcheck import check_layer, check_loss, check_model, numerical_gradient, rel_error
from .layers import (
    BatchNorm,
    Dropout,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    ReLU,
    Residual,
    Sigmoid,
    SiLU,
    Tanh,
)
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError
from .model import Sequential
from .optim import (
    SGD,
    Adam,
    AdamW,
    CosineSchedule,
    Optimizer,
    RMSProp,
    StepSchedule,
    clip_grad_norm,
)
from .recurrent import LSTM, RNN, LastStep
from .train import DivergenceError, DivergenceWarning, EarlyStopping, History, fit, train_step

__version__ = "0.1.0"

__all__ = [
    "conv", "datasets", "engine", "gradcheck", "layers", "losses", "model", "optim",
    "recurrent", "surfaces",
    "train", "worked_example",
    "check_layer", "check_loss", "check_model", "numerical_gradient", "rel_error",
    "AvgPool2D", "Conv2D", "Flatten", "MaxPool2D",
    "BatchNorm", "Dropout", "Identity", "LayerNorm", "LeakyReLU", "Linear", "ReLU", "Residual",
    "Sigmoid", "SiLU", "Tanh", "RNN", "LSTM", "LastStep",
    "BinaryCrossEntropy", "SoftmaxCrossEntropy", "SquaredError",
    "Sequential", "SGD", "Adam", "AdamW", "Optimizer", "RMSProp", "clip_grad_norm",
    "StepSchedule", "CosineSchedule",
    "DivergenceError", "DivergenceWarning", "EarlyStopping", "History", "fit", "train_step",
]
