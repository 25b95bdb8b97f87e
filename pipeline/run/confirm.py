"""Confirm or delete the sentences a model wrote without support in the unit's material, in a draft duizhao wrote.

A kept sentence becomes the unit's (`source: "unit"`, `confirmed: true`); a deleted one leaves the item's text,
the document and the record. The .json record is rewritten, and its .md and .docx beside it when duizhao wrote
them and nobody changed them since (an edited file is the user's: left alone, and said so). The CLI's `confirm`
and the workbench's buttons both call `confirm_sentences`.
"""

from __future__ import annotations

import json
import re
from io import BytesIO
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.core.atomic import write_atomic
from pipeline.core.errors import InputError
from pipeline.core.owned import OwnedFiles
from pipeline.export.docx import build_docx
from pipeline.material.document import Document, render
from pipeline.material.sentences import unconfirmed
from pipeline.review.unsourced import check_unsourced


class Unsourced(BaseModel):
    """One unconfirmed model sentence, numbered from 1 in reading order."""

    model_config = ConfigDict(extra="forbid")
    number: int
    item: str  # the item's key (problems-02)
    text: str


class ConfirmResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kept: list[str] = []
    deleted: list[str] = []
    remaining: list[Unsourced] = []
    written: list[str] = []
    skipped: list[str] = []  # siblings not rewritten: the user's own or changed since


def _load(path: Path) -> dict:
    if path.suffix.lower() != ".json":
        raise InputError(f"请给出 duizhao 起草时写出的 .json 草稿记录：{path}")
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"文件不存在：{path}") from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} 不是有效的 JSON 草稿记录") from exc
    if not (isinstance(record, dict) and isinstance(record.get("items"), list)
            and isinstance(record.get("document"), dict)):
        raise InputError(f"{path} 不是 duizhao 的草稿记录（没有 items 与 document）")
    return record


def list_unsourced(path: str | Path) -> list[Unsourced]:
    """The draft's unconfirmed model sentences, numbered."""
    return _numbered(_load(Path(path)))


def _numbered(record: dict) -> list[Unsourced]:
    out = []
    for item in record["items"]:
        for text in unconfirmed([item]):
            out.append(Unsourced(number=len(out) + 1, item=str(item.get("key", "")), text=text))
    return out


def _cut(text: str, sentence: str) -> str:
    return text.replace(sentence, "", 1)


def _delete_from_document(document: Document, sentence: str) -> None:
    for section in document.sections:
        for points in [section.intro, *(item.points for item in section.items)]:
            for point in list(points):
                if sentence in point.text:
                    point.text = _cut(point.text, sentence)
                    if not re.search(r"[\u4e00-\u9fff]", point.text):
                        points.remove(point)
                    return


def parse_numbers(values: list[str], count: int) -> list[int]:
    """"1 3 5-7" / "1,3" as sentence numbers; a number not on the list is bad input."""
    numbers: list[int] = []
    for value in values:
        for part in re.split(r"[,，、\s]+", str(value).strip()):
            if not part:
                continue
            found = re.fullmatch(r"(\d+)(?:[-~～](\d+))?", part)
            if not found:
                raise InputError(f"句子编号应为数字或范围（如 1 3 5-7）：{part}")
            low, high = int(found.group(1)), int(found.group(2) or found.group(1))
            numbers += list(range(low, high + 1))
    wrong = [n for n in numbers if not 1 <= n <= count]
    if wrong and not count:
        # An offline draft writes only the unit's own words: nothing to confirm, say so instead of "1–0".
        raise InputError("这份草稿没有待核实的句子（每一句都有资料依据或已由本单位确认），不必 --keep / --delete")
    if wrong:
        raise InputError(f"没有第 {wrong[0]} 句（待核实的句子共 {count} 句，编号 1–{count}）")
    return list(dict.fromkeys(numbers))


def confirm_sentences(path: str | Path, keep: list[int] = (), delete: list[int] = (),
                      keep_all: bool = False) -> ConfirmResult:
    """Keep (confirm) and delete sentences by number; rewrite the record and the outputs duizhao wrote beside it."""
    path = Path(path)
    record = _load(path)
    listed = _numbered(record)
    keep = [u.number for u in listed] if keep_all else list(keep)
    both = set(keep) & set(delete)
    if both:
        raise InputError(f"第 {min(both)} 句不能既保留又删除")
    chosen = {n: "keep" for n in keep} | {n: "delete" for n in delete}
    document = Document.model_validate(record["document"])
    result = ConfirmResult()
    by_item = {str(i.get("key", "")): i for i in record["items"]}
    for entry in listed:
        action = chosen.get(entry.number)
        if action is None:
            continue
        item = by_item[entry.item]
        sentence = next(s for s in item["sentences"] if s.get("source") == "model" and not s.get("confirmed")
                        and s.get("text") == entry.text)
        if action == "keep":
            sentence.update(source="unit", confirmed=True)
            result.kept.append(entry.text)
        else:
            item["sentences"].remove(sentence)
            item["paragraphs"] = [p for p in (_cut(p, entry.text) if entry.text in p else p
                                              for p in item["paragraphs"]) if p.strip()]
            _delete_from_document(document, entry.text)
            result.deleted.append(entry.text)
    document.unsourced = unconfirmed(record["items"])
    record["document"] = document.model_dump()
    check = record.get("check")
    if isinstance(check, dict) and isinstance(check.get("findings"), list):
        findings = [f for f in check["findings"] if f.get("code") != "unsourced"]
        findings += [f.model_dump() for f in check_unsourced(document)]
        check["findings"] = findings
    files = {path: json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")}
    owned = [OwnedFiles(path.parent), OwnedFiles(path.parent, manifest=path.parent / ".duizhao" / "files.json")]
    for sibling in (path.with_suffix(".md"), path.with_suffix(".docx")):
        if not sibling.exists():
            continue
        if not any(o.owns(sibling) for o in owned):
            result.skipped.append(str(sibling))
            continue
        if sibling.suffix == ".md":
            files[sibling] = render(document, markdown=True).encode("utf-8")
        else:
            buffer = BytesIO()
            build_docx(document, layout=str(record.get("layout") or "gbt9704")).save(buffer)
            files[sibling] = buffer.getvalue()
    write_atomic(files)
    for manifest in owned:  # each list of what duizhao wrote keeps knowing the rewritten files as its own
        if manifest.path is not None and manifest.path.exists():
            manifest.record([p for p in files if p.name in manifest.files])
    result.written = [str(p) for p in files]
    result.remaining = _numbered(record)
    return result


def confirm_in_text(text: str, sentence: str, keep: bool, paragraph: int = -1) -> str:
    """A material's text in the .md notation with one marked sentence kept (its mark removed: the unit confirms
    it) or deleted (sentence and mark gone), in paragraph `paragraph` (blank-line separated) when it is there.
    The workbench keeps its draft as such a text."""
    from pipeline.core.resources import lexicon  # the notation's wording

    notation = lexicon("provenance")["notation"]
    wrapped = notation["open"] + sentence + notation["close"]
    if wrapped not in text:
        raise InputError("这句话已不在材料中（可能已核实或已修改），请刷新页面")
    paragraphs = text.split("\n\n")
    at = paragraph if 0 <= paragraph < len(paragraphs) and wrapped in paragraphs[paragraph] else next(
        n for n, p in enumerate(paragraphs) if wrapped in p)
    paragraphs[at] = paragraphs[at].replace(wrapped, sentence if keep else "", 1)
    return "\n\n".join(paragraphs)


def confirm_recorded(path: str | Path, sentence: str, keep: bool) -> bool:
    """The same decision in the draft's .json record (when it still lists the sentence); True when recorded."""
    path = Path(path)
    if not path.is_file():
        return False
    number = next((u.number for u in list_unsourced(path) if u.text == sentence), None)
    if number is None:
        return False
    confirm_sentences(path, keep=[number] if keep else [], delete=[] if keep else [number])
    return True

