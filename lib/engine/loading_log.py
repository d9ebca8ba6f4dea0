"""How loading a checkpoint is reported: the pretraining heads' weights named once, not a warning wall.

The published MAE and BEiT checkpoints are whole pretraining models (MAE's decoder; BEiT's pooler norm
and ImageNet-22k classifier); the encoder leaves those weights aside, which transformers reports as a
table of "UNEXPECTED" keys (5.x) or a "were not used" sentence (4.x) on every load. Those are expected:
one log line names them. Any other unused weight is a warning, since it means the file and the
architecture disagree.
"""
from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# Weights of the published pretraining models that the encoder does not use (MAE's decoder, BEiT's pooler
# norm and classifier): expected, so they are named once in the log, not in transformers' warning table.
HEAD_PREFIXES = {"ijepa": ("pooler.",), "vit_mae": ("decoder.",), "beit": ("pooler.", "classifier.", "lm_head.")}
_BASE_PREFIXES = ("ijepa.", "vit.", "beit.")  # 5.x reports head keys under the base model's prefix, 4.x not
_TRANSFORMERS_LOADERS = ("transformers.modeling_utils", "transformers.utils.loading_report")
LOG = logging.getLogger(__name__)


def _is_unused_report(record: logging.LogRecord) -> bool:
    """transformers' report of checkpoint weights the model did not take (4.x sentence, 5.x table)."""
    message = record.getMessage()
    return "UNEXPECTED" in message or "were not used when initializing" in message


@contextlib.contextmanager
def transformers_bars_off() -> Iterator[None]:
    """No transformers progress bars ("Loading weights", "Writing model shards") for one local load or save:
    they say nothing for a local file, and their rates made two runs' captured output differ."""
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()


@contextlib.contextmanager
def unused_weights_unreported() -> Iterator[None]:
    """Hold back transformers' unused-weights report during one load (`log_unused` says it once instead)."""
    loggers = [logging.getLogger(name) for name in _TRANSFORMERS_LOADERS]
    drop = lambda record: not _is_unused_report(record)  # noqa: E731 - a logging filter callable
    for logger in loggers:
        logger.addFilter(drop)
    try:
        with transformers_bars_off():
            yield
    finally:
        for logger in loggers:
            logger.removeFilter(drop)


def log_unused(directory: Path, family: str, unexpected) -> None:
    """One line for the pretraining head weights the encoder leaves aside; a warning for any other unused weight."""
    heads: Counter = Counter()
    others = []
    for key in sorted(unexpected):
        bare = next((key.removeprefix(p) for p in _BASE_PREFIXES if key.startswith(p)), key)
        head = next((p for p in HEAD_PREFIXES[family] if bare.startswith(p)), None)
        if head:
            heads[head.rstrip(".")] += 1
        else:
            others.append(key)
    if heads:
        named = ", ".join(f"{head} ({count} tensors)" for head, count in sorted(heads.items()))
        LOG.info("%s: pretraining head weights not used by the encoder, as expected: %s", directory, named)
    if others:
        LOG.warning("%s: %d checkpoint weights fit no module of the %s encoder, e.g. %s",
                    directory, len(others), family, others[:3])
