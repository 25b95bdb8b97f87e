"""People see a finding by its Chinese name (terminal, HTML report); its code is for --json. Every finding the
reviewer can raise — each message template in lexicon/findings.yaml — has a name."""

from __future__ import annotations

import re

from pipeline.core.resources import lexicon
from pipeline.review.structure import code_name

_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_finding_has_a_chinese_name():
    words = lexicon("findings")
    codes = [key for key, value in words.items() if isinstance(value, str) and key != "code-name-default"]
    assert "copy-rate" in codes and "measure-no-deadline" in codes
    for code in codes:
        assert code in words["code-names"], code
        assert _CJK.search(code_name(code)) and not re.search(r"[A-Za-z]{3,}", code_name(code)), code


def test_a_code_without_a_name_is_still_chinese():
    assert code_name("rule-added-later") == lexicon("findings")["code-name-default"]
