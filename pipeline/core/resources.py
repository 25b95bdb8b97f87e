"""Find the packaged data (prompts, specs, lexicon, corpus) from a source tree or an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

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
    import os

    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / name
    from platformdirs import user_data_dir

    return Path(user_data_dir("duizhao", appauthor=False)) / name
