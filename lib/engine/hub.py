"""Where checkpoints live: one answer for `jepa-claims fetch`, `jepa-claims measure` and the suite.

An explicit folder (`--hf-cache`) wins; otherwise huggingface_hub's own cache, which honours its
environment variables (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub).
"""
from __future__ import annotations

from pathlib import Path


def hub_cache(explicit: str | Path | None = None) -> Path:
    """The Hugging Face hub cache folder checkpoints are read from and downloaded to."""
    if explicit:
        return Path(explicit).expanduser()
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


HUB_CACHE_HELP = ("Hugging Face hub cache holding the checkpoints (default: huggingface_hub's own, i.e. $HF_HUB_CACHE, "
                  "else $HF_HOME/hub, else ~/.cache/huggingface/hub); fetch, measure and the suite share it")
