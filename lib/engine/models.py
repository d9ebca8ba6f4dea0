"""Load an encoder checkpoint (hub id, HF cache or local directory) and run it block by block.

Works on both transformers module layouts: "v4" (< 5.9: `encoder.layer[N]`) and "v5" (`layers[N]`).
Weights are read from safetensors only and remote code is never trusted.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from huggingface_hub import snapshot_download
from huggingface_hub.errors import (
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from safetensors import SafetensorError
from transformers import (
    BeitConfig,
    BeitModel,
    Dinov2Config,
    Dinov2Model,
    IJepaConfig,
    IJepaModel,
    PretrainedConfig,
    ViTConfig,
    ViTMAEConfig,
    ViTMAEModel,
    ViTModel,
)

from jepa_claims.engine.loading_log import log_unused, unused_weights_unreported
from jepa_claims.engine.processor import ANY_INPUT_SIZE, CheckpointError, ProcessorGeometry, read_geometry

FAMILIES = {
    "ijepa": (IJepaConfig, IJepaModel),
    "vit_mae": (ViTMAEConfig, ViTMAEModel),
    "beit": (BeitConfig, BeitModel),
    "vit": (ViTConfig, ViTModel),
    "dinov2": (Dinov2Config, Dinov2Model),
}
# I-JEPA has no CLS token (the facebook/ijepa_vith14_* configs and modelling code); the others prepend one.
PREFIX_TOKENS = {"ijepa": 0, "vit_mae": 1, "beit": 1, "vit": 1, "dinov2": 1}
# Base models built without a pooler (the others have none to leave out).
POOLED = ("ijepa", "beit", "vit")
# Only these are fetched from the hub: pickled *.bin weights are never downloaded or read.
ALLOW_PATTERNS = ["config.json", "preprocessor_config.json", "*.safetensors", "*.safetensors.index.json"]
SAFETENSORS_FILES = ("model.safetensors", "model.safetensors.index.json")
PICKLE_FILES = ("pytorch_model.bin", "pytorch_model.bin.index.json")
COMMIT_SHA = re.compile(r"[0-9a-f]{40}")


# The one table of precisions the suite, the CLI and the benchmarks accept, by the name users type.
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass
class Encoder:
    """A loaded encoder with the facts the harness needs and a block-by-block forward."""

    model: torch.nn.Module
    family: str
    source: str
    revision: str | None
    geometry: ProcessorGeometry
    patch_size: int
    grid: int
    prefix_tokens: int
    depth: int
    hidden_size: int
    layout: str
    mae_mask_ratio: float | None

    @property
    def blocks(self) -> torch.nn.ModuleList:
        """The transformer blocks, in order."""
        return block_list(self.model)

    def forward_kwargs(self, pixel_values: torch.Tensor) -> dict:
        """Extra kwargs the HF forward needs to match `embed` (MAE: unshuffled noise when mask_ratio is 0)."""
        if self.family != "vit_mae" or self.mae_mask_ratio is None:
            return {}
        # HF ViTMAE argsorts random noise on every forward, permuting tokens even at mask_ratio 0;
        # increasing noise makes argsort the identity, so tokens keep their grid order.
        noise = torch.arange(self.grid * self.grid, device=pixel_values.device, dtype=torch.float32)
        return {"noise": noise.expand(pixel_values.shape[0], -1)}

    def embed(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Token embeddings [batch, prefix + grid*grid, hidden], i.e. HF hidden_states[0]."""
        dtype = self.model.embeddings.patch_embeddings.projection.weight.dtype
        out = self.model.embeddings(pixel_values.to(dtype), **self.forward_kwargs(pixel_values))
        # MAE returns (embeddings, mask, ids_restore); BEiT on v4 returns (embeddings, patch grid).
        return out[0] if isinstance(out, tuple) else out

    def run_block(self, index: int, hidden: torch.Tensor, pixel_values_shape: tuple) -> torch.Tensor:
        """Run block `index` on `hidden` with the kwargs the family's own forward passes."""
        kwargs = {}
        if self.family == "beit":
            kwargs = self._beit_kwargs(hidden, tuple(pixel_values_shape[-2:]))
        out = self.blocks[index](hidden, **kwargs)
        return out[0] if isinstance(out, tuple) else out

    def _beit_kwargs(self, hidden: torch.Tensor, resolution: tuple[int, int]) -> dict:
        """BEiT blocks need the input resolution and, if configured, the model-wide relative position bias."""
        window = (resolution[0] // self.patch_size, resolution[1] // self.patch_size)
        kwargs: dict = {"resolution": resolution}
        if self.layout == "v5":
            shared = self.model.shared_position_bias
            if shared is not None:
                # v5 adds the shared bias to the attention mask (BeitModel.forward).
                kwargs["attention_mask"] = shared(window, interpolate_pos_encoding=False, dim_size=hidden.shape[1])
        elif self.model.encoder.has_relative_position_bias:
            shared = self.model.encoder.relative_position_bias
            kwargs["relative_position_bias"] = shared(window, interpolate_pos_encoding=False, dim_size=hidden.shape[1])
        return kwargs

    def final_norm(self, hidden: torch.Tensor) -> torch.Tensor:
        """The model's final LayerNorm (Identity for BEiT with mean pooling)."""
        return self.model.layernorm(hidden)


def load_encoder(
    source: str,
    *,
    revision: str | None = None,
    local_files_only: bool = False,
    cache_dir: str | None = None,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    mae_mask_ratio: float | None = 0.0,
) -> Encoder:
    """Load an encoder by hub id (cache honoured, HF_HUB_OFFLINE=1 honoured) or from a local directory."""
    if mae_mask_ratio not in (0.0, None):
        raise ValueError(f"mae_mask_ratio must be 0.0 or None (library default), got {mae_mask_ratio!r}")
    directory, resolved = locate(source, revision, local_files_only, cache_dir)
    family, config, geometry = read_checkpoint_files(directory, source)
    _check_weights(directory)
    if family == "vit_mae" and mae_mask_ratio is not None:
        config.mask_ratio = mae_mask_ratio
    model = _load_weights(directory, family, config, dtype).to(device)
    return _describe(model, family, source, resolved, geometry, config, mae_mask_ratio)


def read_checkpoint_files(directory: Path, source: str | None = None) -> tuple[str, PretrainedConfig, ProcessorGeometry]:
    """Family, config and processor geometry from the checkpoint's own files, without its weights."""
    family, config = _read_config(directory)
    geometry = read_geometry(directory, family)
    _check_size(source or str(directory), family, geometry, config)
    return family, config, geometry


def _check_size(source: str, family: str, geometry: ProcessorGeometry, config: PretrainedConfig) -> None:
    """The processor's size is the config's (or any, for families that interpolate) and a whole number of patches."""
    if geometry.size != config.image_size and family not in ANY_INPUT_SIZE:
        raise CheckpointError(
            f"{source}: preprocessor size {geometry.size} differs from config image_size {config.image_size}"
        )
    patch = _square_patch(source, config.patch_size)
    if geometry.size % patch:
        raise CheckpointError(f"{source}: image size {geometry.size} is not a whole number of {patch}-pixel patches")
    if getattr(config, "use_swiglu_ffn", False):
        raise CheckpointError(f"{source}: a SwiGLU MLP has no activation module to hook (intermediate sites); not supported")


def _square_patch(source: str, patch) -> int:
    """The patch side from config.patch_size (an int or a square pair)."""
    if isinstance(patch, (list, tuple)):
        if len(set(patch)) != 1:
            raise CheckpointError(f"{source}: non-square patches {patch} are not supported")
        return int(patch[0])
    return int(patch)


def _describe(
    model: torch.nn.Module,
    family: str,
    source: str,
    revision: str | None,
    geometry: ProcessorGeometry,
    config: PretrainedConfig,
    mae_mask_ratio: float | None,
) -> Encoder:
    """Wrap a loaded model with the facts read from its config."""
    patch = _square_patch(source, config.patch_size)
    layout = module_layout(model)
    depth = len(block_list(model))
    return Encoder(
        model=model, family=family, source=source, revision=revision, geometry=geometry,
        patch_size=patch, grid=geometry.size // patch, prefix_tokens=PREFIX_TOKENS[family],
        depth=depth, hidden_size=config.hidden_size, layout=layout,
        mae_mask_ratio=mae_mask_ratio if family == "vit_mae" else None,
    )


def block_list(model: torch.nn.Module) -> torch.nn.ModuleList:
    """The model's transformer blocks: `layers` (transformers >= 5.9, most families) or `encoder.layer`."""
    return model.layers if hasattr(model, "layers") else model.encoder.layer


def module_layout(model: torch.nn.Module) -> str:
    """"v5" when the attention output projection is named `o_proj` (transformers >= 5.9), else "v4".

    Read from the modules, not from where the blocks sit: DINOv2 on transformers 5.x keeps
    `encoder.layer` but renames the modules inside it.
    """
    renamed = hasattr(model, "layers") or any(name.endswith(".o_proj") for name, _ in model.named_modules())
    return "v5" if renamed else "v4"


def _hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE is set now (huggingface_hub reads it only once, at import)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def locate(
    source: str, revision: str | None, local_files_only: bool, cache_dir: str | None
) -> tuple[Path, str | None]:
    """Directory holding the checkpoint files and the resolved commit sha (None for a plain directory)."""
    path = Path(source).expanduser()
    if path.is_dir():
        if revision is not None:
            raise CheckpointError(f"{source} is a local directory; revision={revision!r} applies to hub ids only")
        # A snapshot folder of the HF cache is named by its commit: keep that provenance.
        in_snapshot = path.resolve().parent.name == "snapshots" and COMMIT_SHA.fullmatch(path.resolve().name)
        return path, path.resolve().name if in_snapshot else None
    offline = local_files_only or _hub_offline()
    try:
        folder = snapshot_download(
            source, revision=revision, cache_dir=cache_dir, local_files_only=offline, allow_patterns=ALLOW_PATTERNS
        )
    except HFValidationError as error:
        raise CheckpointError(f"{source!r} is neither an existing directory nor a valid hub id: {error}") from error
    except LocalEntryNotFoundError as error:
        where = "offline (local_files_only or HF_HUB_OFFLINE=1)" if offline else "the hub is unreachable"
        message = f"{source!r} (revision {revision or 'main'}) is not in the HF cache and {where}"
        raise CheckpointError(message) from error
    except (RepositoryNotFoundError, RevisionNotFoundError) as error:
        raise CheckpointError(f"{source!r} (revision {revision or 'main'}) not found on the hub") from error
    return Path(folder), Path(folder).name


def _read_config(directory: Path) -> tuple[str, PretrainedConfig]:
    """Family and config object from config.json; refuses model types this suite cannot hook."""
    config_file = directory / "config.json"
    if not config_file.is_file():
        raise CheckpointError(f"{directory}: no config.json")
    try:
        model_type = json.loads(config_file.read_text()).get("model_type")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as error:
        raise CheckpointError(f"{config_file}: not a JSON object ({error})") from error
    if model_type not in FAMILIES:
        raise CheckpointError(
            f"{directory}: model_type {model_type!r} is not supported; supported: {', '.join(sorted(FAMILIES))}"
        )
    config_class, _ = FAMILIES[model_type]
    return model_type, config_class.from_pretrained(str(directory))


def _check_weights(directory: Path) -> None:
    """Require safetensors weights; name pickled weights explicitly when they are all there is."""
    if any((directory / name).is_file() for name in SAFETENSORS_FILES):
        return
    pickled = [name for name in PICKLE_FILES if (directory / name).is_file()]
    if pickled:
        raise CheckpointError(
            f"{directory}: only pickled weights ({', '.join(pickled)}); this suite loads safetensors only, "
            "convert the checkpoint to model.safetensors"
        )
    raise CheckpointError(
        f"{directory}: no model.safetensors (or sharded index); pickled .bin weights are never downloaded or read"
    )


def _load_weights(directory: Path, family: str, config: PretrainedConfig, dtype: torch.dtype) -> torch.nn.Module:
    """The family's base model with every weight loaded from safetensors, frozen, in eval mode."""
    _, model_class = FAMILIES[family]
    # The pooler is unused here: the base models that have one are loaded without it.
    extra = {"add_pooling_layer": False} if family in POOLED else {}
    try:
        with unused_weights_unreported():
            model, info = model_class.from_pretrained(
                str(directory), config=config, use_safetensors=True, dtype=dtype, output_loading_info=True, **extra
            )
    except (SafetensorError, OSError) as error:  # truncated, empty or garbage weights file
        raise CheckpointError(f"{directory}: cannot read its safetensors weights ({_first_line(error)})") from error
    except RuntimeError as error:  # transformers raises this for tensors of the wrong shape
        raise CheckpointError(
            f"{directory}: weights do not match the {family} architecture of its config.json "
            "(tensors of the wrong shape or that cannot be converted)"
        ) from error
    log_unused(directory, family, info["unexpected_keys"])
    # from_pretrained silently random-initialises missing weights; an encoder must have all of them.
    if info["missing_keys"] or info["mismatched_keys"]:
        missing = sorted(info["missing_keys"]) + [str(key) for key in info["mismatched_keys"]]
        raise CheckpointError(
            f"{directory}: weights do not match the {family} architecture of its config.json "
            f"({len(missing)} missing or mismatched, e.g. {missing[:3]})"
        )
    model.eval()
    model.requires_grad_(False)
    return model


def _first_line(error: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
