"""A rehearsal of the paper world: what `jepa-claims fetch` leaves on disk, at a width CI can run.

* Checkpoints: the four paper repo ids at their pinned revisions (lib/data/fetch.py MODEL_REVISIONS), in
  the Hugging Face hub cache layout exactly as `snapshot_download(repo, revision=<sha>)` leaves it:
  blobs/ + snapshots/<sha>/, and NO refs/ entry (a download by commit sha writes none). Each config is
  the published config.json with only the widths reduced (hidden size, MLP size, attention heads, and
  for MAE the decoder's widths): depths, image size, patch size, norms, BEiT's relative position bias
  and layer scale, MAE's mask ratio 0.75 are the real ones. BEiT's 21841 ImageNet-22k label names are
  not reproduced (LABEL_i stands in; only their count shapes the classifier). The weights are the
  whole pretraining model as published (MAE: ViTMAEForPreTraining with its decoder; BEiT:
  BeitForImageClassification with its pooler norm and classifier; I-JEPA: the bare IJepaModel), seeded
  random, saved under the transformers 4.x key names whatever transformers writes them
  (`legacy_key`), so loading meets the same legacy names and "unexpected" head keys as the real files.
* Data: Oxford-IIIT Pet and PASCAL VOC 2012 in their official layouts (synthetic scenes from
  lib/data/synthetic.py at the slices' full image counts) with the real quirks planted among the images
  the 4x3 slice reads: a PNG and a GIF named ".jpg", an RGBA image, a truncated (corrupt) JPEG, a
  trimap with no pet, a macOS "._" file, lists sorted as text, plus the real sample files of
  tests/real_samples (two of their pets belong to the first 16 breeds).
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from jepa_claims.data import pets, synthetic
from jepa_claims.data.fetch import MODEL_REVISIONS
from jepa_claims.engine.builders import store_snapshot

REAL = Path(__file__).resolve().parent / "real_samples"
# The reduced widths (the real ones: I-JEPA 1280 / 5120 / 16 heads, MAE and BEiT 768 / 3072 / 12 heads).
WIDTHS = {"hidden_size": 32, "intermediate_size": 128, "num_attention_heads": 2}
MAE_DECODER_WIDTHS = {"decoder_hidden_size": 16, "decoder_intermediate_size": 64, "decoder_num_attention_heads": 2}
BEIT_LABELS = 21841  # ImageNet-22k classes of the ft22k head
SEED = 0

# The published config.json of each repo at its pinned revision (real widths, before WIDTHS replaces them).
_IJEPA = {
    "architectures": ["IJepaModel"], "attention_probs_dropout_prob": 0.0, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0, "hidden_size": 1280, "image_size": 224, "initializer_range": 0.02,
    "intermediate_size": 5120, "layer_norm_eps": 1e-06, "model_type": "ijepa", "num_attention_heads": 16,
    "num_channels": 3, "num_hidden_layers": 32, "patch_size": 14, "qkv_bias": True, "torch_dtype": "float32",
}
_MAE = {
    "architectures": ["ViTMAEForPreTraining"], "attention_probs_dropout_prob": 0.0, "decoder_hidden_size": 512,
    "decoder_intermediate_size": 2048, "decoder_num_attention_heads": 16, "decoder_num_hidden_layers": 8,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "hidden_size": 768, "image_size": 224,
    "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-12, "mask_ratio": 0.75,
    "model_type": "vit_mae", "norm_pix_loss": False, "num_attention_heads": 12, "num_channels": 3,
    "num_hidden_layers": 12, "patch_size": 16, "qkv_bias": True, "torch_dtype": "float32",
}
_BEIT = {
    "architectures": ["BeitForImageClassification"], "attention_probs_dropout_prob": 0.0, "drop_path_rate": 0.1,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "hidden_size": 768, "image_size": 224,
    "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-12, "layer_scale_init_value": 0.1,
    "model_type": "beit", "num_attention_heads": 12, "num_channels": 3, "num_hidden_layers": 12, "patch_size": 16,
    "use_absolute_position_embeddings": False, "use_mask_token": False, "use_mean_pooling": True,
    "use_relative_position_bias": True, "use_shared_relative_position_bias": False, "vocab_size": 8192,
}
_HALF = [0.5, 0.5, 0.5]
PREPROCESSORS = {
    "ijepa": {"do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": _HALF,
              "image_processor_type": "ViTImageProcessor", "image_std": _HALF, "resample": 2,
              "rescale_factor": 0.00392156862745098, "size": {"height": 224, "width": 224}},
    "vit_mae": {"do_normalize": True, "do_resize": True, "feature_extractor_type": "ViTFeatureExtractor",
                "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225], "resample": 3, "size": 224},
    "beit": {"crop_size": 224, "do_center_crop": False, "do_normalize": True, "do_resize": True,
             "feature_extractor_type": "BeitFeatureExtractor", "image_mean": _HALF, "image_std": _HALF,
             "resample": 2, "size": 224},
}
REPOS = {
    "facebook/ijepa_vith14_1k": _IJEPA, "facebook/ijepa_vith14_22k": _IJEPA,
    "facebook/vit-mae-base": _MAE, "microsoft/beit-base-patch16-224-pt22k-ft22k": _BEIT,
}

# transformers >= 5.9 names -> the 4.x names the published safetensors carry (identity on 4.x names).
_LEGACY = (
    (re.compile(r"(^|\.)layers\.(\d+)\."), r"\1encoder.layer.\2."),
    (re.compile(r"\.attention\.q_proj\."), ".attention.attention.query."),
    (re.compile(r"\.attention\.k_proj\."), ".attention.attention.key."),
    (re.compile(r"\.attention\.v_proj\."), ".attention.attention.value."),
    (re.compile(r"\.attention\.o_proj\."), ".attention.output.dense."),
    (re.compile(r"\.mlp\.fc1\."), ".intermediate.dense."),
    (re.compile(r"\.mlp\.fc2\."), ".output.dense."),
    (re.compile(r"(\.\d+)\.relative_position_bias\."), r"\1.attention.attention.relative_position_bias."),
)


def legacy_key(name: str) -> str:
    """A state-dict key under the transformers 4.x module names."""
    for pattern, replacement in _LEGACY:
        name = pattern.sub(replacement, name)
    return name


def rehearsal_config(repo: str) -> dict:
    """The repo's published config.json with the rehearsal widths."""
    config = {**REPOS[repo], **WIDTHS}
    if config["model_type"] == "vit_mae":
        config |= MAE_DECODER_WIDTHS
    if config["model_type"] == "beit":
        config["id2label"] = {str(i): f"LABEL_{i}" for i in range(BEIT_LABELS)}
        config["label2id"] = {f"LABEL_{i}": i for i in range(BEIT_LABELS)}
    return config


def _pretraining_model(config: dict, seed: int) -> torch.nn.Module:
    """The published architecture (with its pretraining head) under HF's own seeded init."""
    import transformers

    config_class = transformers.AutoConfig.for_model(config["model_type"]).__class__
    model_class = getattr(transformers, config["architectures"][0])
    kwargs = {k: v for k, v in config.items() if k not in ("architectures", "model_type", "torch_dtype")}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return model_class(config_class(**kwargs)).eval()


def write_checkpoint(repo: str, folder: Path, seed: int = SEED) -> Path:
    """config.json, preprocessor_config.json and model.safetensors (4.x key names) of one repo."""
    config = rehearsal_config(repo)
    model = _pretraining_model(config, seed)
    # Tied or shared tensors are stored once per name, as safetensors requires contiguous distinct tensors.
    state = {legacy_key(name): tensor.detach().clone().contiguous() for name, tensor in model.state_dict().items()}
    folder.mkdir(parents=True, exist_ok=True)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps({**config, "transformers_version": "4.57.6"}, indent=2) + "\n")
    (folder / "preprocessor_config.json").write_text(json.dumps(PREPROCESSORS[config["model_type"]], indent=2) + "\n")
    return folder


def write_hub_cache(cache_dir: Path, repos: tuple[str, ...] = tuple(REPOS)) -> dict[str, Path]:
    """The repos at their pinned revisions in the hub cache layout, without refs/; repo -> snapshot."""
    snapshots = {}
    for index, repo in enumerate(repos):
        with tempfile.TemporaryDirectory() as staging:
            write_checkpoint(repo, Path(staging), seed=SEED + index)
            snapshots[repo] = store_snapshot(Path(staging), cache_dir, repo, MODEL_REVISIONS[repo], ref=None)
    return snapshots


# ---------------------------------------------------------------- data


def _free_id(breed: str, taken: set[str]) -> str:
    """The breed's smallest unused image number (so the quirk sorts among the first, i.e. into 4x3)."""
    number = 1
    while f"{breed}_{number}" in taken:
        number += 1
    return f"{breed}_{number}"


def _plant(base: Path, source_id: str, new_id: str, write_image, trimap: np.ndarray | None = None) -> str:
    """A copy of an existing scene under a new id, its image written by `write_image(Image, path)`."""
    image = Image.open(base / "images" / f"{source_id}.jpg")
    write_image(image, base / "images" / f"{new_id}.jpg")
    label = np.array(Image.open(base / "annotations" / "trimaps" / f"{source_id}.png")) if trimap is None else trimap
    Image.fromarray(label.astype(np.uint8), "L").save(base / "annotations" / "trimaps" / f"{new_id}.png")
    return new_id


def _corrupt(image: Image.Image, path: Path) -> None:
    """A JPEG cut in half (Pillow cannot decode it)."""
    image.save(path, "JPEG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


QUIRKS = {  # breed -> how its planted image is written
    "Abyssinian": lambda image, path: image.save(path, "PNG"),  # PNG bytes named .jpg
    "american_bulldog": lambda image, path: image.convert("P").save(path, "GIF"),  # GIF named .jpg
    "american_pit_bull_terrier": lambda image, path: image.convert("RGBA").save(path, "PNG"),  # RGBA
    "basset_hound": _corrupt,  # unreadable: an error, or skipped with --skip-unreadable
}


def _add_quirks(base: Path) -> list[str]:
    """Plant the real data's oddities among the first images of the 4x3 breeds; returns their ids."""
    lines = (base / "annotations" / "trainval.txt").read_text().splitlines()
    taken = {line.split()[0] for line in lines}
    planted = []
    for breed, writer in QUIRKS.items():
        source = sorted((i for i in taken if pets.breed_of(i) == breed), key=pets.number_of)[-1]
        planted.append(_plant(base, source, _free_id(breed, taken | set(planted)), writer))
    no_pet = np.full(np.array(Image.open(base / "annotations" / "trimaps" / f"{source}.png")).shape, 2, np.uint8)
    planted.append(_plant(base, source, _free_id("Abyssinian", taken | set(planted)),
                          lambda image, path: image.save(path, "JPEG"), trimap=no_pet))  # a trimap with no pet
    for image_id in planted:
        breed = pets.breed_of(image_id)
        lines.append(f"{image_id} {pets.class_id_of(breed)} {pets.species_of(breed)} {pets.breed_id_of(breed)}")
    (base / "annotations" / "trainval.txt").write_text("".join(f"{line}\n" for line in sorted(lines)))
    (base / "images" / "._Abyssinian_1.jpg").write_bytes(b"\x00\x05\x16\x07AppleDouble")  # macOS junk
    return planted


def _add_real_samples(root: Path) -> None:
    """The real Pet and VOC sample files, listed like the official lists list them."""
    base = root / pets.PETS_DIR
    shutil.copytree(REAL / "pets" / "images", base / "images", dirs_exist_ok=True)
    shutil.copytree(REAL / "pets" / "annotations" / "trimaps", base / "annotations" / "trimaps", dirs_exist_ok=True)
    lines = (base / "annotations" / "trainval.txt").read_text().splitlines()
    for path in sorted((REAL / "pets" / "images").glob("*.jpg")):
        breed = pets.breed_of(path.stem)
        lines.append(f"{path.stem} {pets.class_id_of(breed)} {pets.species_of(breed)} {pets.breed_id_of(breed)}")
    (base / "annotations" / "trainval.txt").write_text("".join(f"{line}\n" for line in sorted(lines)))
    voc = root / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "SegmentationClass"):
        shutil.copytree(REAL / "voc" / sub, voc / sub, dirs_exist_ok=True)
    listing = voc / "ImageSets" / "Segmentation" / "trainval.txt"
    ids = set(listing.read_text().split()) | {p.stem for p in (REAL / "voc" / "JPEGImages").glob("*.jpg")}
    listing.write_text("".join(f"{i}\n" for i in sorted(ids)))


def write_data(root: Path) -> list[str]:
    """Pet and VOC 2012 in the official layouts with the real quirks; returns the planted quirk ids."""
    synthetic.write_pets(root, breeds=16, per_breed=12, test_per_breed=1)
    synthetic.write_voc(root, classes=tuple(range(1, 11)), per_class=4)
    planted = _add_quirks(Path(root) / pets.PETS_DIR)
    _add_real_samples(Path(root))
    return planted
