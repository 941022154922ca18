"""Parsing in a child process with limits: a failure costs one file, never the batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import EncryptedDocumentError, ParseLimitError
from ingest.load import SourceFile
from ingest.sandbox import ParseLimits, ParserProcess


def test_timeout_kills_the_parser_and_the_next_file_still_parses(realpdfs: Path, fixture_docs: Path) -> None:
    big = SourceFile(realpdfs / "en_us_federal_register_itext.pdf", realpdfs)
    small = SourceFile(fixture_docs / "ma/evaluation.en.md", fixture_docs)
    with ParserProcess(ParseLimits(timeout_s=0.05)) as parser, pytest.raises(ParseLimitError, match="took longer than 0.05 s"):
        parser.parse(big)
    with ParserProcess(ParseLimits(timeout_s=60)) as parser:
        assert parser.parse(small).meta.title == "Test evaluation of incubator support"


def test_memory_limit_is_enforced(realpdfs: Path) -> None:
    big = SourceFile(realpdfs / "ar_eg_gazette_indesign.pdf", realpdfs)
    with ParserProcess(ParseLimits(memory_mb=300, timeout_s=60)) as parser:
        try:
            doc = parser.parse(big)
        except ParseLimitError as err:
            assert "MiB" in str(err) or "died" in str(err)
        else:  # the gazette may fit in 300 MiB: then it must have parsed completely
            assert len(doc.pages) == 23


def test_errors_cross_the_process_boundary_with_their_type(realpdfs: Path, fixture_docs: Path) -> None:
    with ParserProcess() as parser:
        with pytest.raises(EncryptedDocumentError, match="protected by a password"):
            parser.parse(SourceFile(realpdfs / "bad_libreoffice_password.pdf", realpdfs))
        assert parser.parse(SourceFile(fixture_docs / "tn/guide.fr.html", fixture_docs)).meta.lang == "fr"
