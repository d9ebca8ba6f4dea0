"""Oxford-IIIT Pet in its official on-disk layout.

    <data_root>/oxford-iiit-pet/images/<id>.jpg
    <data_root>/oxford-iiit-pet/annotations/trimaps/<id>.png     1 = pet, 2 = background, 3 = border
    <data_root>/oxford-iiit-pet/annotations/{trainval,test}.txt  "<id> <class 1..37> <species> <breed id>"

Species 1 = cat, 2 = dog; cat breeds are the capitalised names. Class ids are the case-insensitive
alphabetical index of the 37 breeds; breed ids the alphabetical index within a species
(dataset README; checked against the list lines in tests/real_samples/SOURCES.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jepa_claims.data.files import DataError, is_junk

PETS_DIR = "oxford-iiit-pet"
SPLITS = ("trainval", "test")

CAT_BREEDS = (
    "Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau", "Maine_Coon",
    "Persian", "Ragdoll", "Russian_Blue", "Siamese", "Sphynx",
)
DOG_BREEDS = (
    "american_bulldog", "american_pit_bull_terrier", "basset_hound", "beagle", "boxer", "chihuahua",
    "english_cocker_spaniel", "english_setter", "german_shorthaired", "great_pyrenees", "havanese",
    "japanese_chin", "keeshond", "leonberger", "miniature_pinscher", "newfoundland", "pomeranian", "pug",
    "saint_bernard", "samoyed", "scottish_terrier", "shiba_inu", "staffordshire_bull_terrier",
    "wheaten_terrier", "yorkshire_terrier",
)
# Class id order: case-insensitive alphabetical over all 37 breeds (1-based).
BREEDS = tuple(sorted(CAT_BREEDS + DOG_BREEDS, key=str.lower))


@dataclass(frozen=True)
class PetEntry:
    """One line of trainval.txt / test.txt."""

    image_id: str
    class_id: int
    species: int
    breed_id: int

    @property
    def breed(self) -> str:
        """Breed name: the id without its trailing '_<number>'."""
        return breed_of(self.image_id)

    @property
    def number(self) -> int:
        """The trailing number of the id (lists are sorted as text; this sorts numerically)."""
        return number_of(self.image_id)


def breed_of(image_id: str) -> str:
    """'Abyssinian_119' -> 'Abyssinian'."""
    return image_id.rsplit("_", 1)[0]


def number_of(image_id: str) -> int:
    """'Abyssinian_119' -> 119."""
    tail = image_id.rsplit("_", 1)[-1]
    if not tail.isdigit():
        raise DataError(f"pet image id {image_id!r} does not end in '_<number>'")
    return int(tail)


def class_id_of(breed: str) -> int:
    """1-based class id of a breed name."""
    try:
        return BREEDS.index(breed) + 1
    except ValueError:
        raise DataError(f"unknown Oxford-IIIT Pet breed {breed!r}") from None


def species_of(breed: str) -> int:
    """1 for cats (capitalised names), 2 for dogs."""
    return 1 if breed in CAT_BREEDS else 2


def breed_id_of(breed: str) -> int:
    """1-based index of the breed within its species, alphabetically."""
    group = CAT_BREEDS if breed in CAT_BREEDS else DOG_BREEDS
    return sorted(group, key=str.lower).index(breed) + 1


def image_rel(image_id: str) -> str:
    """Image path relative to data_root (posix)."""
    return f"{PETS_DIR}/images/{image_id}.jpg"


def trimap_rel(image_id: str) -> str:
    """Trimap path relative to data_root (posix)."""
    return f"{PETS_DIR}/annotations/trimaps/{image_id}.png"


def list_path(data_root: Path, split: str) -> Path:
    """Path of a split list file."""
    if split not in SPLITS:
        raise DataError(f"unknown Oxford-IIIT Pet split {split!r}; expected one of {SPLITS}")
    return Path(data_root) / PETS_DIR / "annotations" / f"{split}.txt"


def parse_line(line: str, where: str) -> PetEntry:
    """Parse one '<id> <class> <species> <breed>' line; DataError naming the file and line."""
    parts = line.split()
    if len(parts) != 4 or not all(p.isdigit() for p in parts[1:]):
        raise DataError(f"{where}: expected '<id> <class> <species> <breed id>', got {line.strip()!r}")
    entry = PetEntry(parts[0], int(parts[1]), int(parts[2]), int(parts[3]))
    if not 1 <= entry.class_id <= len(BREEDS) or entry.species not in (1, 2):
        raise DataError(f"{where}: class id or species out of range in {line.strip()!r}")
    if BREEDS[entry.class_id - 1] != entry.breed:
        raise DataError(
            f"{where}: id {entry.image_id} is breed {entry.breed!r} but class id {entry.class_id} "
            f"is {BREEDS[entry.class_id - 1]!r}"
        )
    return entry


def read_split(data_root: Path, split: str = "trainval") -> list[PetEntry]:
    """Entries of a split list, in file order; '#' lines and blank lines are skipped."""
    path = list_path(data_root, split)
    if not path.is_file():
        raise DataError(f"missing Oxford-IIIT Pet list file: {path}")
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            entries.append(parse_line(line, f"{path}:{number}"))
    return entries


def image_ids_on_disk(data_root: Path) -> list[str]:
    """Ids of the .jpg files in images/, ignoring macOS '._*' files and other junk; sorted."""
    folder = Path(data_root) / PETS_DIR / "images"
    return sorted(p.stem for p in folder.glob("*.jpg") if not is_junk(p.name))
