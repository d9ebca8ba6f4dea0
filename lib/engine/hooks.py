"""Scoped forward hooks: capture a module's output, or overwrite some of its tokens.

A target is a module (its forward output) or an `InputSlice` (channels of its first input, read and
written by a forward pre-hook: a head's part of the attention output before the output projection).
Every hook is registered inside a context manager and removed in `finally`, so an exception in
a forward never leaves a hook behind. Models that pass through here are tracked (weakly) so the
test suite can check after every test that no hook is left on any of them.
"""
from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

_TRACKED: "weakref.WeakSet[nn.Module]" = weakref.WeakSet()


def track(model: nn.Module) -> nn.Module:
    """Remember a model so that `leftover_hooks` can check it."""
    _TRACKED.add(model)
    return model


def _ours(function):
    """Mark a hook function as registered by this module."""
    function._jepa_claims_hook = True
    return function


def hook_count(model: nn.Module) -> int:
    """Hooks registered by this module and still present anywhere in a model.

    transformers 5 installs its own permanent hooks to record outputs; those are not ours to check.
    """
    return sum(
        getattr(hook, "_jepa_claims_hook", False)
        for m in model.modules()
        for hook in [*m._forward_hooks.values(), *m._forward_pre_hooks.values()]
    )


def leftover_hooks() -> list[tuple[str, int]]:
    """(class name, hook count) of every tracked model that still carries a hook."""
    return [(type(m).__name__, n) for m in list(_TRACKED) if (n := hook_count(m))]


@dataclass(frozen=True)
class InputSlice:
    """Channels [start, stop) of a module's first positional input (a head site: lib/engine/sites.py)."""

    module: nn.Module
    start: int
    stop: int


Target = nn.Module | InputSlice


def _first(output):
    """The tensor a module returns, whether bare or first in a tuple (transformers 4.x blocks)."""
    return output[0] if isinstance(output, tuple) else output


def _replace_first(output, tensor: torch.Tensor):
    """Put a tensor back where `_first` found it."""
    return (tensor, *output[1:]) if isinstance(output, tuple) else tensor


def _register_capture(target: Target, name: str, store: dict[str, torch.Tensor]):
    """A hook that stores the target's value under `name`; returns its handle."""
    if isinstance(target, InputSlice):
        @_ours
        def pre(_module, inputs, target=target):
            store[name] = inputs[0][..., target.start:target.stop].detach()
        return target.module.register_forward_pre_hook(pre)

    @_ours
    def hook(_module, _inputs, output):
        store[name] = _first(output).detach()
    return target.register_forward_hook(hook)


@contextmanager
def capture(root: nn.Module, modules: Mapping[str, Target]) -> Iterator[dict[str, torch.Tensor]]:
    """Record each target's value (module output or input slice) under its name; the dict fills as the forward runs."""
    track(root)
    store: dict[str, torch.Tensor] = {}
    handles = []
    try:
        for name, target in modules.items():
            handles.append(_register_capture(target, name, store))
        yield store
    finally:
        for handle in handles:
            handle.remove()


@dataclass(frozen=True)
class Overwrite:
    """Overwrite a target's value with `source` at the selected tokens (paper, appendix A.1, eq. 2)."""

    module: Target  # a module (its output) or an InputSlice (those channels of its input)
    source: torch.Tensor  # [batch, tokens, width], clean activations
    select: torch.Tensor  # [batch, tokens] bool, tokens to take from `source`


@contextmanager
def overwrite(root: nn.Module, patches: Sequence[Overwrite]) -> Iterator[None]:
    """Apply every overwrite during the forwards run inside the block."""
    track(root)
    handles = []
    try:
        for patch in patches:
            handles.append(_register_overwrite(patch))
        yield
    finally:
        for handle in handles:
            handle.remove()


def _mixed(value: torch.Tensor, patch: Overwrite) -> torch.Tensor:
    """`value` with the patch's source at its selected tokens."""
    if value.shape != patch.source.shape:
        raise RuntimeError(f"patch source {tuple(patch.source.shape)} does not fit output {tuple(value.shape)}")
    return torch.where(patch.select.unsqueeze(-1), patch.source.to(value.dtype), value)


def _register_overwrite(patch: Overwrite):
    """A hook applying one overwrite (to a module's output, or to channels of its input); returns its handle."""
    target = patch.module
    if isinstance(target, InputSlice):
        @_ours
        def pre(_module, inputs):
            value = inputs[0].clone()
            value[..., target.start:target.stop] = _mixed(value[..., target.start:target.stop], patch)
            return (value, *inputs[1:])
        return target.module.register_forward_pre_hook(pre)

    @_ours
    def hook(_module, _inputs, output):
        return _replace_first(output, _mixed(_first(output), patch))
    return target.register_forward_hook(hook)
