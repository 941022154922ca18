"""Metadata: sidecars and front matter, validation with clear per-field errors, inference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.errors import InvalidMetadataError
from ingest.langid import detect_language
from ingest.load import SourceFile, load_document


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_sidecar_wins_over_front_matter_and_accepts_yaml(tmp_path: Path) -> None:
    write(
        tmp_path / "tn" / "note.md",
        "---\ncountry: MA\ndoc_type: report\n---\n# Une note\n\nTexte de la note sur les pôles de compétitivité en Tunisie.\n",
    )
    write(tmp_path / "tn" / "note.md.meta.yaml", "country: TN\nyear: 2016\n")
    doc = load_document(SourceFile(tmp_path / "tn" / "note.md", tmp_path))
    assert doc.meta.country == "TN" and doc.meta.year == 2016 and doc.meta.doc_type == "report"


def test_inference_when_metadata_is_absent(tmp_path: Path) -> None:
    path = write(
        tmp_path / "dz" / "texte.html",
        "<html><body><h1>Loi relative à la PME</h1>"
        "<p>La présente loi a pour objet de définir la petite et moyenne entreprise et les mesures d'aide.</p></body></html>",
    )
    doc = load_document(SourceFile(path, tmp_path))
    assert doc.meta.title == "Loi relative à la PME"
    assert doc.meta.lang == "fr"
    assert doc.meta.country == "DZ", "a folder named after a country code gives the country"
    assert doc.meta.doc_type == "other" and doc.meta.year is None


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        ({"contry": "MA"}, "unknown metadata field 'contry'"),
        ({"country": "Morocco"}, "field 'country' is 'MOROCCO'"),
        ({"doc_type": "novel"}, "field 'doc_type' is 'novel'"),
        ({"date": "2017-13-01"}, "field 'date' is '2017-13-01'; write YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"year": "twenty"}, "field 'year' is 'twenty'"),
        ({"lang": "arabic"}, "field 'lang' is 'arabic'"),
        ({"title": ["a", "b"]}, "field 'title' must be text"),
    ],
)
def test_invalid_metadata_names_the_file_and_field(tmp_path: Path, sidecar: dict[str, object], message: str) -> None:
    path = write(tmp_path / "doc.txt", "Some text about investment incentives in the region, long enough to detect.")
    (tmp_path / "doc.txt.meta.json").write_text(json.dumps(sidecar), encoding="utf-8")
    with pytest.raises(InvalidMetadataError) as info:
        load_document(SourceFile(path, tmp_path))
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_broken_sidecar_syntax_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "doc.txt", "Text.")
    write(tmp_path / "doc.meta.json", "{not json")
    with pytest.raises(InvalidMetadataError, match=r"doc\.meta\.json: cannot parse metadata"):
        load_document(SourceFile(path, tmp_path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La présente loi a pour objet de fixer le cadre des pôles de compétitivité et des technopoles.", "fr"),
        ("This law sets the framework for competitiveness clusters and technology parks in the country.", "en"),
        ("تهدف هذه السياسة إلى دعم العناقيد الصناعية وتمويل هيئات حوكمتها في المملكة", "ar"),
        ("PME", "xx"),
    ],
)
def test_language_detection_is_script_first_and_deterministic(text: str, expected: str) -> None:
    results = {detect_language(text, fallback="xx") for _ in range(5)}
    assert results == {expected}, f"language of {text[:30]!r} must be {expected} every time"
