"""Is an answer one of the library's reference implementations, or does it call one?

The book's package holds code that answers some exercises: the checks' own references
(everything in ``bpkit.exercises``), ``bpkit.widgets.chain.count_paths`` (Exercise 1.4),
``LeakyReLU.backward`` (Exercise 3.4), ``bpkit.train.EarlyStopping`` (Exercise 4.4),
``bpkit.optim.AdamW`` (Exercise 5.1), batch norm's backward pass (Exercise 6.2), dropout's
(Exercise 7.2), ``unbroadcast`` and the engines' topological orders and backward passes
(Exercises 8.2 and 8.3), ``bpkit.conv``'s ``output_size`` and convolution and max-pooling
backward passes (Exercises 9.1-9.4), the recurrent layers' backward passes (Exercises
10.1 to 10.3), and the
worked example's loss and backward pass, from which centered differences give Chapter 2's
derivatives. A hidden test gives no points to an answer that is one of them, inherits it,
or refers to it from its code (directly, through a module attribute such as
``chain.count_paths``, through a closure or a default argument, or through another function
or class of the notebook that does).
"""

from __future__ import annotations

import builtins
import inspect
import types

#: Modules whose every function and class counts as a reference implementation.
REFERENCE_MODULES = ("bpkit.exercises", "bpkit.gradcheck", "bpkit.symbolic")


def _resolve(dotted: str):
    import importlib

    module, _, attr = dotted.rpartition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


#: Per exercise, further objects that compute its answer.
EXTRA = {
    "1.3": ["bpkit.widgets.chain:count_paths", "bpkit.widgets.chain:paths"],
    "1.4": ["bpkit.widgets.chain:count_paths", "bpkit.widgets.chain:paths"],
    "2.1": ["bpkit.worked_example:loss", "bpkit.worked_example:loss_and_gradients",
            "bpkit.worked_example:build_model"],
    "2.2": ["bpkit.worked_example:loss_and_gradients", "bpkit.worked_example:build_model"],
    "2.4": ["bpkit.worked_example:loss", "bpkit.worked_example:loss_and_gradients",
            "bpkit.worked_example:build_model"],
    "3.4": ["bpkit.layers:LeakyReLU.backward"],
    "4.4": ["bpkit.train:EarlyStopping"],
    "5.1": ["bpkit.optim:AdamW", "bpkit.optim:AdamW.update"],
    "6.2": ["bpkit.layers:BatchNorm.backward", "bpkit.layers:_Normalize._compact"],
    "7.2": ["bpkit.layers:Dropout.backward", "bpkit.layers:Dropout.forward"],
    "8.2": ["bpkit.autograd.tensor:unbroadcast"],
    "8.3": ["bpkit.engine:Value.backward", "bpkit.engine:Value.topological_order",
            "bpkit.autograd.tensor:Tensor.backward",
            "bpkit.autograd.tensor:Tensor.topological_order"],
    "10.1": ["bpkit.recurrent:RNN.backward"],
    "10.2": ["bpkit.recurrent:RNN.backward", "bpkit.recurrent:LSTM.backward"],
    "10.3": ["bpkit.recurrent:LSTM.backward"],
    "9.1": ["bpkit.conv:output_size"],
    "9.2": ["bpkit.conv:conv2d_backward_reference", "bpkit.conv:Conv2D.backward"],
    "9.3": ["bpkit.conv:MaxPool2D.backward"],
    "9.4": ["bpkit.conv:conv2d_backward_reference", "bpkit.conv:Conv2D.backward",
            "bpkit.conv:col2im"],
}


def _is_reference(obj, extra) -> str | None:
    for ref in extra:
        if obj is ref:
            return getattr(obj, "__qualname__", repr(obj))
    module = getattr(obj, "__module__", None) or ""
    if (isinstance(obj, (types.FunctionType, type, types.BuiltinFunctionType))
            and module.startswith(REFERENCE_MODULES)):
        return f"{module}.{getattr(obj, '__qualname__', '?')}"
    return None


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def references(exercise: str, answer) -> list[str]:
    """The reference implementations that ``answer`` is, inherits or calls (maybe none)."""
    extra = [_resolve(d) for d in EXTRA.get(exercise, [])]
    found, seen, todo = [], set(), [answer]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or obj is None:
            continue
        seen.add(id(obj))
        hit = _is_reference(obj, extra)
        if hit:
            found.append(hit)
            continue
        if isinstance(obj, (classmethod, staticmethod)):
            todo.append(obj.__func__)
        elif isinstance(obj, property):
            todo.extend([obj.fget, obj.fset])
        elif isinstance(obj, types.MethodType):
            todo.append(obj.__func__)
        elif hasattr(obj, "func") and hasattr(obj, "args"):  # functools.partial
            todo.extend([obj.func, *obj.args])
        elif inspect.isclass(obj):
            found.extend(h for h in (_is_reference(b, extra) for b in obj.__mro__[1:]) if h)
            if obj.__module__ != "__main__" and obj is not answer:
                continue
            todo.extend(vars(obj).values())
            for name in dir(obj):  # inherited methods: e.g. backward = LeakyReLU.backward
                attr = inspect.getattr_static(obj, name, None)
                if isinstance(attr, types.FunctionType):
                    todo.append(attr)
        elif isinstance(obj, types.FunctionType):
            if obj.__module__ not in ("__main__", None) and obj is not answer:
                continue  # a library or NumPy function that is no reference: not followed
            names = _code_names(obj.__code__)
            glob = obj.__globals__
            todo.extend(obj.__defaults__ or ())
            todo.extend((obj.__kwdefaults__ or {}).values())
            for cell in obj.__closure__ or ():
                try:
                    todo.append(cell.cell_contents)
                except ValueError:
                    pass
            values = [glob[n] for n in names if n in glob]
            values += [getattr(builtins, n) for n in names
                       if n not in glob and hasattr(builtins, n)]
            modules = [v for v in values if isinstance(v, types.ModuleType)]
            todo.extend(v for v in values if not isinstance(v, types.ModuleType))
            for cls in (v for v in values if inspect.isclass(v)):  # BatchNorm(...)._compact
                todo.extend(getattr(cls, m) for m in names
                            if isinstance(getattr(cls, m, None), types.FunctionType))
            for _ in range(3):  # attribute chains such as bp.layers.LeakyReLU.backward
                deeper = []
                for module in modules:
                    for n in names:
                        attr = getattr(module, n, None)
                        if isinstance(attr, types.ModuleType):
                            deeper.append(attr)
                        elif attr is not None:
                            todo.append(attr)
                            if inspect.isclass(attr):
                                todo.extend(getattr(attr, m, None) for m in names
                                            if isinstance(getattr(attr, m, None),
                                                          types.FunctionType))
                modules = deeper
    return sorted(set(found))


def require_own_work(exercise: str, *answers) -> None:
    """Raise a failed hidden test if an answer is, or calls, a reference implementation."""
    from . import fail

    for answer in answers:
        hits = references(exercise, answer)
        if hits:
            raise fail(exercise, "your answer uses the library's own solution ("
                       + ", ".join(hits) + "); write it yourself.")
