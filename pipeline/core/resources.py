"""Find the packaged data (prompts, specs, lexicon, corpus) from a source tree or an installed wheel."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from platformdirs import user_data_dir

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # pipeline/
DATA_DIRS = ("prompts", "specs", "lexicon", "corpus")


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """`name` is one of DATA_DIRS. Wheels carry them under pipeline/_data; a checkout has them at the top."""
    if name not in DATA_DIRS:
        raise ValueError(name)
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"packaged data folder not found: {name}")


@lru_cache(maxsize=None)
def lexicon(name: str) -> dict:
    """A YAML word list from lexicon/ (role cues, stock phrases, composer wording …)."""
    with open(data_dir("lexicon") / f"{name}.yaml", encoding="utf-8") as handle:
        # The C loader when libyaml is present: the pure-Python one costs a quarter second per check run.
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def prompt_text(name: str) -> str:
    return (data_dir("prompts") / name).read_text(encoding="utf-8")


HOME_ENV = "DUIZHAO_HOME"


def user_dir(name: str) -> Path:
    """A folder of the user's own data (specs made from notices …): $DUIZHAO_HOME/name, else the platform's
    user data folder. Not created here; writers create it."""

    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / name

    return Path(user_data_dir("duizhao", appauthor=False)) / name


def in_checkout(folder: Path | None = None) -> bool:
    """`folder` (default: the working folder) lies inside the source checkout this package runs from."""
    root = _PACKAGE_DIR.parent
    if (_PACKAGE_DIR / "_data").is_dir() or not (root / "pyproject.toml").is_file():
        return False  # an installed wheel
    return Path(folder or Path.cwd()).resolve().is_relative_to(root)


def default_store_dir() -> Path:
    """Where the 范文 vector store lives unless --store says otherwise: DUIZHAO_STORE_DIR; a ./vectorstore the
    user already built here; the checkout's vectorstore/ when run inside the source tree; else the user's data
    folder (user_dir: ~/.local/share/duizhao on Linux), so every folder shares one store and no folder pays a first ingest."""
    if os.environ.get("DUIZHAO_STORE_DIR"):
        return Path(os.environ["DUIZHAO_STORE_DIR"])
    here = Path.cwd() / "vectorstore"
    if (here / "chroma.sqlite3").is_file():
        return here
    if in_checkout():
        return _PACKAGE_DIR.parent / "vectorstore"
    return user_dir("vectorstore")
