"""Cut parsed 范文 into passages — the paragraph-level units the drafter is shown — with their metadata.

A passage is one numbered point of an item (一是… / 1、…, with the item heading as `heading`), or a whole item
when it is not split into numbered points (（一）heading + its paragraph), or one paragraph of a section's
intro (preamble, closing, the lead sentence of a section).
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.material.document import Document, Item, paragraphs_of
from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon
from pipeline.core.files import read_yaml
from pipeline.core.files import describe
from pipeline.material.load import load_document
from pipeline.material.specs import load_spec

# Found in folders; a duizhao .json document is taken only when named explicitly.
CORPUS_SUFFIXES = (".txt", ".md", ".markdown", ".docx")
MANIFEST = "manifest.yaml"
# Bumped when extraction or tokenisation changes, so unchanged files are re-extracted (never re-embedded).
SCHEMA = "passages-1"
_MIN_CHARS = 10
_CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


class ManifestEntry(BaseModel):
    # The manifest is hand-written: unknown keys are tolerated, not fatal.
    model_config = ConfigDict(extra="ignore")
    spec: str | None = None
    year: int | None = None
    unit_type: str | None = None
    title: str | None = None  # what people see for the file in reports; else the document's own title


class Passage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    source: str
    role: str
    aspect: str = ""
    level: str  # point | item | lead | intro
    heading: str = ""
    title: str = ""
    spec: str = ""
    year: int = 0
    unit_type: str = ""
    position: int

    @property
    def voice(self) -> str:
        """"personal" for a member's own material (told by its title: 个人 / 发言提纲 …), else "collective"."""
        cues = lexicon("retrieval").get("personal_title_cues", [])
        return "personal" if any(cue in self.title for cue in cues) else "collective"

    def metadata(self) -> dict[str, str | int]:
        """Chroma metadata: scalars only, never None (chroma rejects it)."""
        return self.model_dump(exclude={"id", "text"})

    @classmethod
    def from_stored(cls, pid: str, text: str, metadata: dict, **extra):
        """A passage read back from the store; fields an older store did not record take their defaults."""
        known = {name: metadata[name] for name in cls.model_fields if name in metadata}
        return cls(**{"level": "", "position": 0, "source": "", "role": "", **known, "id": pid, "text": text, **extra})


class Hit(Passage):
    """A passage as retrieval returns it, with its score (hybrid: fused RRF; dense: cosine; BM25: its score)."""

    score: float


def read_manifest(folder: Path) -> dict[str, ManifestEntry]:
    """`files:` → {file name: {spec, year, unit_type}} from manifest.yaml in `folder`; {} when there is none."""

    path = folder / MANIFEST
    if not path.is_file():
        return {}
    data = read_yaml(path, "范文清单") or {}
    files = data.get("files", data) if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise InputError(f"范文清单 {path} 应含 files: 映射（文件名 → spec/year/unit_type）")
    try:
        return {str(name): ManifestEntry.model_validate(entry or {}) for name, entry in files.items()}
    except ValidationError as exc:

        raise InputError(f"范文清单 {path} {describe(exc, ManifestEntry)}") from exc


class CorpusScan(BaseModel):
    """The 范文 files under some paths: `explicit` ones were named by the user (a failure there is an error),
    the others were found in folders (a file of another kind there is skipped with a warning)."""

    model_config = ConfigDict(extra="forbid")
    files: list[Path] = []
    explicit: set[Path] = set()
    skipped: list[str] = []  # "reason：path", for the user


# Files that sit in corpus folders as a matter of course: never worth a warning.
_QUIET = (MANIFEST, ".json", ".yaml", ".yml", "vectors.npz")  # vectors.npz: see corpus/shipped.py


def scan_corpus(paths: list[Path]) -> CorpusScan:
    """The 范文 files named by `paths` (folders are searched recursively), sorted, without duplicates."""
    scan = CorpusScan()
    found: dict[Path, None] = {}
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if not child.is_file() or child.name.startswith(".") or child.stem.upper().startswith("README"):
                    continue
                if child.suffix.lower() in CORPUS_SUFFIXES:
                    found[child.resolve()] = None
                elif not child.name.endswith(_QUIET):
                    kind = ("旧版 Word 文件（请另存为 .docx）" if child.suffix.lower() in (".doc", ".wps")
                            else f"不支持的文件类型 {child.suffix or '(无扩展名)'}")
                    scan.skipped.append(f"{kind}：{child}")
        elif path.is_file():
            found[path.resolve()] = None
            scan.explicit.add(path.resolve())
        else:
            raise InputError(f"范文路径不存在：{path}")
    scan.files = list(found)
    if not scan.files:
        skipped = f"（跳过了 {len(scan.skipped)} 个其他文件）" if scan.skipped else ""
        raise InputError(f"没有找到可入库的范文文件（支持 {' '.join(CORPUS_SUFFIXES)}）{skipped}：{' '.join(map(str, paths))}")
    names: dict[str, Path] = {}
    for file in scan.files:
        if file.name in names:
            raise InputError(f"两个范文文件同名，无法区分来源：{names[file.name]} 与 {file}")
        names[file.name] = file
    return scan


def corpus_files(paths: list[Path]) -> list[Path]:
    """The 范文 files named by `paths` (folders are searched recursively), sorted, without duplicates."""
    return scan_corpus(paths).files


def _content_chars(text: str) -> int:
    return len(_CONTENT.findall(text))


def _item_units(item: Item) -> list[tuple[str, str]]:
    """(level, text) units of one item."""
    marked = [p for p in item.points if p.marker]
    if not marked:
        return [("item", "\n".join(_item_lines(item)))]
    units: list[tuple[str, str]] = []
    for index, point in enumerate(item.points):
        if point.marker:
            units.append(("point", point.marker + point.text))
        elif index == 0:  # the item's lead sentence before 一是…
            units.append(("lead", item.marker + item.heading + point.text))
        elif units:  # an unmarked continuation belongs to the point before it
            level, text = units[-1]
            units[-1] = (level, text + point.text)
    return units


def _item_lines(item: Item) -> list[str]:
    head = item.marker + item.heading
    body = paragraphs_of(item.points)
    if item.run_in and body:
        return [head + body[0], *body[1:]]
    return [head, *body]


def _ids(source: str, texts: list[str]) -> list[str]:
    """Content hashes; a paragraph repeated within one file gets a counter so ids stay unique."""
    seen: dict[str, int] = {}
    ids = []
    for text in texts:
        digest = hashlib.sha1(f"{source}\x00{text}".encode("utf-8")).hexdigest()[:20]
        seen[digest] = seen.get(digest, 0) + 1
        ids.append(digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")
    return ids


def document_passages(document: Document, source: str, entry: ManifestEntry | None = None) -> list[Passage]:
    """Every paragraph-level unit of `document`, in reading order."""
    entry = entry or ManifestEntry()
    units: list[dict] = []
    for section in document.sections:
        section_heading = section.heading
        for paragraph in paragraphs_of(section.intro):
            units.append({"role": section.role, "level": "intro", "heading": section_heading, "text": paragraph})
        for item in section.items:
            for level, text in _item_units(item):
                units.append({"role": section.role, "level": level, "heading": item.heading,
                              "aspect": item.aspect or "", "text": text})
    units = [u for u in units if _content_chars(u["text"]) >= _MIN_CHARS]
    ids = _ids(source, [u["text"] for u in units])
    common = {"source": source, "title": entry.title or document.title, "spec": entry.spec or "", "year": entry.year or 0,
              "unit_type": entry.unit_type or ""}
    return [Passage(id=pid, position=n, **common, **unit) for n, (pid, unit) in enumerate(zip(ids, units))]


def file_passages(path: Path, entry: ManifestEntry | None = None) -> list[Passage]:
    """Load, parse (with the manifest's meeting spec, for canonical aspects) and cut one 范文 file."""

    spec = load_spec(entry.spec) if entry is not None and entry.spec else None
    document = load_document(path, spec).document
    passages = document_passages(document, path.name, entry)
    if not passages:
        raise InputError(f"范文文件中没有解析出任何段落：{path}")
    return passages


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(lexicon("retrieval").get("stopwords", []))


_WORD = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


def tokenizer_signature() -> str:
    """Changes when the stop words do, so stored BM25 tokens are redone (never the vectors)."""
    return hashlib.sha1(" ".join(sorted(_stopwords())).encode("utf-8")).hexdigest()[:12]


def tokenize(text: str) -> list[str]:
    """jieba words for BM25, without punctuation and stop words."""
    import jieba  # lazy: heavy library, loaded only where used

    jieba.setLogLevel(logging.WARNING)
    stop = _stopwords()
    # Bare list numbers (the 1 of "1、") carry nothing.
    return [w for w in jieba.lcut(text) if _WORD.search(w) and w not in stop and not (w.isdigit() and len(w) <= 2)]
