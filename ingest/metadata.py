"""Document metadata: read from front matter or a sidecar file, validated, completed by inference.

Unknown fields are an error (a typo such as ``contry`` must not silently drop the country).
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

import yaml

from ingest.errors import InvalidMetadataError
from ingest.langid import detect_language
from ingest.readers import SIDECAR_SUFFIXES
from ingest.records import DOC_TYPES, KNOWN_COUNTRIES, DocMeta, Extracted, Page

FIELDS = (
    "title",
    "country",
    "doc_type",
    "issuer",
    "date",
    "year",
    "lang",
    "source",
    "summary_of",
    "notice",
    "translation_of",
)
ALIASES = {"type": "doc_type", "language": "lang", "issuing_body": "issuer"}
_DATE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANG = re.compile(r"^[a-z]{2}$")


def sidecar_paths(path: Path) -> list[Path]:
    """Sidecars that may describe ``path``: ``report.pdf.meta.json`` or ``report.meta.json``."""
    stems = [path.name, path.stem]
    return [path.with_name(stem + suffix) for stem in stems for suffix in SIDECAR_SUFFIXES]


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a document named near the 255-byte limit has no room for a sidecar's name: none exists
        return False


def read_sidecar(path: Path) -> tuple[dict[str, object], bytes]:
    """Return the sidecar's fields and raw bytes (the bytes feed the content hash)."""
    found = [p for p in sidecar_paths(path) if _is_file(p)]
    if not found:
        return {}, b""
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise InvalidMetadataError(path, f"several metadata sidecars ({names})", "keep only one")
    sidecar = found[0]
    raw = sidecar.read_bytes()
    try:
        data = json.loads(raw) if sidecar.suffix == ".json" else yaml.safe_load(raw)
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as err:
        raise InvalidMetadataError(sidecar, f"cannot parse metadata ({type(err).__name__})", "fix the JSON/YAML syntax") from err
    if not isinstance(data, dict):
        raise InvalidMetadataError(sidecar, "metadata must be a mapping of field: value")
    return {str(k): v for k, v in data.items()}, raw


def _as_text(path: Path, name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    raise InvalidMetadataError(path, f"field '{name}' must be text, got {type(value).__name__}")


def _canonical_fields(path: Path, declared: dict[str, object]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, value in declared.items():
        name = ALIASES.get(key, key)
        if name not in FIELDS:
            allowed = ", ".join(FIELDS)
            raise InvalidMetadataError(path, f"unknown metadata field '{key}'", f"use one of: {allowed}")
        fields[name] = _as_text(path, name, value)
    return fields


def _validated_date(path: Path, fields: dict[str, str]) -> tuple[str, int | None]:
    date, year_text = fields.get("date", ""), fields.get("year", "")
    year: int | None = None
    if date:
        match = _DATE.match(date)
        if not match:
            raise InvalidMetadataError(path, f"field 'date' is '{date}'", "write YYYY, YYYY-MM or YYYY-MM-DD")
        year = int(match.group(1))
    if year_text:
        if not year_text.isdigit() or not 1800 <= int(year_text) <= 2100:
            raise InvalidMetadataError(path, f"field 'year' is '{year_text}'", "write a four-digit year")
        if year is not None and int(year_text) != year:
            raise InvalidMetadataError(path, f"field 'year' ({year_text}) contradicts 'date' ({date})", "keep one")
        year = int(year_text)
    return date or (str(year) if year else ""), year


def _infer_country(relative: PurePosixPath) -> str:
    """A folder named after a country code (``corpus/ma/...``) tells the country."""
    for part in relative.parts[:-1]:
        if part.upper() in KNOWN_COUNTRIES:
            return part.upper()
    return ""


def _infer_title(extracted: Extracted, pages: list[Page], path: Path) -> str:
    for key in ("first_heading", "html_title", "docx_title", "pdf_title"):
        if extracted.hints.get(key):
            return extracted.hints[key][:200]
    for page in pages:
        for line in page.text.split("\n"):
            if len(re.findall(r"\w{2,}", line)) >= 3:  # skip page numbers, dates, stray marks
                return line.strip()[:200]
    return path.stem


def build_metadata(
    path: Path, relative: PurePosixPath, extracted: Extracted, sidecar: dict[str, object], pages: list[Page]
) -> DocMeta:
    """Merge file-declared and sidecar metadata (the sidecar wins), validate it, infer the rest.

    ``pages`` are the normalised pages (running headers removed), used for inference.
    """
    fields = {**_canonical_fields(path, extracted.declared), **_canonical_fields(path, sidecar)}
    date, year = _validated_date(path, fields)

    country = fields.get("country", "").upper() or _infer_country(relative)
    if country and not _COUNTRY.match(country):
        raise InvalidMetadataError(path, f"field 'country' is '{country}'", "use an ISO 3166 alpha-2 code, or EU")

    doc_type = fields.get("doc_type", "").lower() or "other"
    if doc_type not in DOC_TYPES:
        raise InvalidMetadataError(path, f"field 'doc_type' is '{doc_type}'", f"use one of: {', '.join(sorted(DOC_TYPES))}")

    lang = fields.get("lang", "").lower()
    if lang and not _LANG.match(lang):
        raise InvalidMetadataError(path, f"field 'lang' is '{lang}'", "use an ISO 639-1 code such as ar, fr or en")
    full_text = "\n".join(page.text for page in pages)
    lang = lang or detect_language(full_text, fallback=extracted.hints.get("html_lang", ""))

    return DocMeta(
        title=fields.get("title") or _infer_title(extracted, pages, path),
        country=country,
        doc_type=doc_type,
        lang=lang,
        issuer=fields.get("issuer", ""),
        date=date,
        year=year,
        source=fields.get("source", ""),
        summary_of=fields.get("summary_of", ""),
        notice=fields.get("notice", ""),
        translation_of=fields.get("translation_of", ""),
    )
