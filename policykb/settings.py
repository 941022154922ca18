"""One frozen settings object, built once from flags and environment, handed down by parts."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from assistant.config import AssistantConfig, LLMConfig, TranslateConfig, WebConfig
from ingest.chunk import ChunkConfig
from ingest.config import IngestConfig
from ingest.load import LoadOptions
from ingest.ocr import OcrConfig
from ingest.sandbox import ParseLimits
from kb.config import EmbedConfig, RetrievalConfig, StoreConfig
from policykb.errors import PolicykbError

ENV_PREFIX = "POLICYKB_"
ENV_KEYS = {
    "POLICYKB_STORE": "embedded store directory (default ./.policykb)",
    "POLICYKB_CHROMA_URL": "Chroma server URL, e.g. http://127.0.0.1:8000 (overrides the store directory)",
    "POLICYKB_CHROMA_TENANT": "tenant on a distributed or hosted Chroma (default Chroma's default_tenant)",
    "POLICYKB_CHROMA_DATABASE": "database on a distributed or hosted Chroma (default Chroma's default_database)",
    "POLICYKB_CHROMA_TOKEN": "credential sent to the Chroma server with every request (never printed)",
    "POLICYKB_CHROMA_AUTH_HEADER": "header the token goes in: Authorization (default, as 'Bearer TOKEN') or e.g. X-Chroma-Token",
    "POLICYKB_CHROMA_CA": "CA bundle (PEM) that signed an https Chroma server's certificate, if not a public CA",
    "POLICYKB_CHROMA_TIMEOUT": "seconds to wait for a Chroma server's answer before giving up (default 30)",
    "POLICYKB_HNSW_EF_SEARCH": "HNSW search breadth of a new store (default Chroma's); above the passage count: exact",
    "POLICYKB_CACHE_DIR": "embedding cache directory (default ~/.cache/policykb); 'off' disables it",
    "POLICYKB_PARSE_TIMEOUT": "seconds one file may take to parse (default 120)",
    "POLICYKB_PARSE_MEMORY_MB": "address-space limit of the parser process in MiB (default 2048)",
    "POLICYKB_MAX_PAGES": "pages per file at most (default 3000); a longer file is refused, to be split",
    "POLICYKB_OCR": "on (default) or off: OCR image-only and unreadable PDF pages with Tesseract",
    "POLICYKB_OCR_LANGS": "Tesseract languages OCR may use, '+'-separated (default ara+fra+eng)",
    "POLICYKB_OCR_DPI": "resolution pages are rendered at for OCR (default 200, measured best for Arabic)",
    "POLICYKB_OCR_MAX_PAGES": "pages OCR'd per document at most (default 300); the others are reported",
    "POLICYKB_CHUNK_TOKENS": "maximum tokens per chunk, context included (default 256, at most 512)",
    "POLICYKB_MIN_RELEVANCE": "relevance below which the assistant abstains (default 0.886; see 'policykb eval --answers')",
    "POLICYKB_ANSWERER": "extractive (default, no LLM) or llm (needs POLICYKB_LLM_URL and POLICYKB_LLM_MODEL)",
    "POLICYKB_LLM_KIND": "openai (any OpenAI-compatible server, default) or ollama",
    "POLICYKB_LLM_URL": "LLM endpoint, e.g. http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8080/v1",
    "POLICYKB_LLM_MODEL": "model name the endpoint serves",
    "POLICYKB_LLM_API_KEY": "API key for the endpoint, if it needs one",
    "POLICYKB_TRANSLATE_URL": "LibreTranslate-compatible service adding labelled translations of quotes, e.g. http://127.0.0.1:5000",
    "POLICYKB_TRANSLATE_API_KEY": "API key for the translation service, if it needs one",
    "POLICYKB_USERS": "users file for the web app's login (policykb user add); without it and POLICYKB_ADMIN_PASSWORD, no login",
    "POLICYKB_ADMIN_USER": "name of the administrator defined by POLICYKB_ADMIN_PASSWORD (default admin)",
    "POLICYKB_ADMIN_PASSWORD": "password of a web administrator, for deployments that pass secrets in the environment",
    "POLICYKB_TRUSTED_PROXIES": "comma-separated addresses of reverse proxies whose X-Forwarded-For is believed (default none)",
    "POLICYKB_SESSION_IDLE": "seconds a signed-in web session may stay unused before it ends (default 3600)",
    "POLICYKB_TEMP_MAX_AGE": "seconds the web app keeps uploaded and exported temporary files (default 3600)",
    "POLICYKB_SAVED": "SQLite file of the web app's saved briefs and conversations (default <store>/saved.sqlite); 'off'",
    "POLICYKB_AUDIT_LOG": "JSONL audit log of the web app (default <store>/audit.jsonl, or the cache folder for a server); 'off'",
    "POLICYKB_GLOSSARY": "glossary TSV (concept, lang, term) carrying lexical search across languages (default bundled)",
    "POLICYKB_DIMENSIONS": "dimension lexicon TSV (dimension, lang, scope, term) of the comparison grid (default bundled)",
}
# Variables of other programs that policykb reads here, and only here, into its settings.
FOREIGN_ENV_KEYS = {
    "TESSDATA_PREFIX": "Tesseract's language data folder (OcrConfig.tessdata; passed on to Tesseract)",
    "GRADIO_TEMP_DIR": "folder the web app's private temporary folder is made in (WebConfig.temp_parent; default the system's)",
    "XDG_CACHE_HOME": "base of the default cache folder when POLICYKB_CACHE_DIR is not set (default ~/.cache)",
}


class SettingsError(PolicykbError, ValueError):
    """A flag or environment variable has an unusable value (a ValueError, as before it had a base class)."""


@dataclass(frozen=True)
class Settings:
    store: StoreConfig = field(default_factory=StoreConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    assistant: AssistantConfig = field(default_factory=AssistantConfig)
    web: WebConfig = field(default_factory=WebConfig)


def _number(env: Mapping[str, str], key: str, default: float, low: float, high: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key}='{raw}' is not a number") from None
    if not low <= value <= high:
        raise SettingsError(f"{key}={raw} is out of range ({low:g} to {high:g})")
    return value


def _cache_base(env: Mapping[str, str]) -> Path:
    raw = env.get("POLICYKB_CACHE_DIR")
    return Path(raw) if raw and raw.lower() != "off" else Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policykb"


def default_cache_path(env: Mapping[str, str]) -> Path | None:
    raw = env.get("POLICYKB_CACHE_DIR")
    if raw is not None and raw.lower() == "off":
        return None
    return _cache_base(env) / "embeddings.sqlite"


def index_dir(store: StoreConfig, env: Mapping[str, str]) -> Path:
    """Where the derived lexical index lives: inside an embedded store, in the cache for a server."""
    if not store.chroma_url:
        return store.path / f"{store.collection_prefix}_lexical"
    where = f"{store.chroma_url}\0{store.collection_prefix}"
    if store.tenant or store.database:  # another database is another store (the slug of the defaults is unchanged)
        where += f"\0{store.tenant or ''}\0{store.database or ''}"
    slug = hashlib.sha256(where.encode()).hexdigest()[:16]
    return _cache_base(env) / "lexical" / slug


def load_settings(env: Mapping[str, str] | None = None, store: str | None = None, chroma_url: str | None = None) -> Settings:
    """Flags win over the environment, the environment over defaults. Unknown POLICYKB_* keys are errors."""
    env = os.environ if env is None else env
    unknown = sorted(k for k in env if k.startswith(ENV_PREFIX) and k not in ENV_KEYS)
    if unknown:
        raise SettingsError(f"unknown environment variable {unknown[0]}; known: {', '.join(ENV_KEYS)}")
    chunk_tokens = int(_number(env, "POLICYKB_CHUNK_TOKENS", ChunkConfig.max_tokens, 64, 512))
    store_config = StoreConfig(
        path=Path(store or env.get("POLICYKB_STORE") or ".policykb"),
        # An explicit --store means the embedded store, whatever the environment says.
        chroma_url=chroma_url or (None if store else env.get("POLICYKB_CHROMA_URL")) or None,
        timeout_s=_number(env, "POLICYKB_CHROMA_TIMEOUT", StoreConfig.timeout_s, 1, 3600),
        tenant=env.get("POLICYKB_CHROMA_TENANT") or None,
        database=env.get("POLICYKB_CHROMA_DATABASE") or None,
        auth_header=_chroma_auth(env),
        tls_ca=_existing_file(env, "POLICYKB_CHROMA_CA"),
        ef_search=int(_number(env, "POLICYKB_HNSW_EF_SEARCH", 0, 1, 10_000_000)) or None,
    )
    return Settings(
        store=store_config,
        embed=EmbedConfig(cache_path=default_cache_path(env)),
        ingest=IngestConfig(
            parse=ParseLimits(
                timeout_s=_number(env, "POLICYKB_PARSE_TIMEOUT", ParseLimits.timeout_s, 1, 3600),
                memory_mb=int(_number(env, "POLICYKB_PARSE_MEMORY_MB", ParseLimits.memory_mb, 256, 65536)),
            ),
            chunk=ChunkConfig(max_tokens=chunk_tokens),
            load=LoadOptions(
                ocr=ocr_config(env), max_pages=int(_number(env, "POLICYKB_MAX_PAGES", LoadOptions.max_pages, 1, 1_000_000))
            ),
        ),
        retrieval=RetrievalConfig(
            index_dir=index_dir(store_config, env),
            glossary_path=_existing_file(env, "POLICYKB_GLOSSARY", "a glossary TSV") or RetrievalConfig.glossary_path,
        ),
        assistant=_assistant(env),
        web=_web(env, store_config),
    )


def _chroma_auth(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The header carrying POLICYKB_CHROMA_TOKEN: ``Authorization: Bearer TOKEN``, or the token alone in another header."""
    token = env.get("POLICYKB_CHROMA_TOKEN") or ""
    header = (env.get("POLICYKB_CHROMA_AUTH_HEADER") or "Authorization").strip()
    if not token:
        return None
    if not header or not all(ch.isalnum() or ch == "-" for ch in header):
        raise SettingsError(f"POLICYKB_CHROMA_AUTH_HEADER='{header}' is not a header name; use e.g. X-Chroma-Token")
    if any(ch in token for ch in "\r\n\0"):
        raise SettingsError("POLICYKB_CHROMA_TOKEN holds a line break; set the token alone")
    return (header, f"Bearer {token}" if header.lower() == "authorization" else token)


def _existing_file(env: Mapping[str, str], key: str, what: str = "a PEM file") -> Path | None:
    raw = env.get(key)
    if not raw:
        return None
    if not Path(raw).is_file():
        raise SettingsError(f"{key}='{raw}' is not a file; give the path of {what}")
    return Path(raw)


def ocr_config(env: Mapping[str, str], enabled: bool | None = None) -> OcrConfig:
    """OCR settings from the environment; ``enabled`` (a flag such as --no-ocr) wins when given."""
    switch = (env.get("POLICYKB_OCR") or "on").lower()
    if switch not in ("on", "off"):
        raise SettingsError(f"POLICYKB_OCR='{switch}' must be 'on' or 'off'")
    raw_langs = env.get("POLICYKB_OCR_LANGS") or "+".join(OcrConfig.languages)
    languages = tuple(lang for lang in raw_langs.split("+") if lang)
    if not languages or not all(lang.isascii() and lang.replace("_", "").isalnum() for lang in languages):
        raise SettingsError(f"POLICYKB_OCR_LANGS='{raw_langs}' must be Tesseract language names joined by '+', e.g. ara+fra+eng")
    return OcrConfig(
        enabled=switch == "on" if enabled is None else enabled,
        languages=languages,
        dpi=int(_number(env, "POLICYKB_OCR_DPI", OcrConfig.dpi, 72, 600)),
        max_pages=int(_number(env, "POLICYKB_OCR_MAX_PAGES", OcrConfig.max_pages, 0, 100000)),
        tessdata=Path(env["TESSDATA_PREFIX"]) if env.get("TESSDATA_PREFIX") else None,
    )


def _web(env: Mapping[str, str], store: StoreConfig) -> WebConfig:
    users = env.get("POLICYKB_USERS")
    audit = env.get("POLICYKB_AUDIT_LOG")
    if audit and audit.lower() == "off":
        audit_path = None
    elif audit:
        audit_path = Path(audit)
    else:
        audit_path = (_cache_base(env) if store.chroma_url else store.path) / "audit.jsonl"
    # Uploaded originals live in the embedded store's folder; with a server, in this machine's cache.
    upload_dir = _cache_base(env) / "uploads" / index_dir(store, env).name if store.chroma_url else store.path
    proxies = tuple(p.strip() for p in (env.get("POLICYKB_TRUSTED_PROXIES") or "").split(",") if p.strip())
    saved = env.get("POLICYKB_SAVED")
    if saved and saved.lower() == "off":
        saved_db = None
    elif saved:
        saved_db = Path(saved)
    else:  # beside the store, like the audit log; with a server, per store in this machine's cache
        saved_db = (
            _cache_base(env) / "saved" / f"{index_dir(store, env).name}.sqlite"
            if store.chroma_url
            else store.path / "saved.sqlite"
        )
    temp_parent = env.get("GRADIO_TEMP_DIR")
    return WebConfig(
        users_file=Path(users) if users else None,
        admin_user=(env.get("POLICYKB_ADMIN_USER") or "").strip() or WebConfig.admin_user,
        admin_password=env.get("POLICYKB_ADMIN_PASSWORD") or "",
        temp_parent=Path(temp_parent) if temp_parent else None,
        audit_log=audit_path,
        upload_dir=upload_dir,
        saved_db=saved_db,
        trusted_proxies=proxies,
        temp_max_age_s=_number(env, "POLICYKB_TEMP_MAX_AGE", WebConfig.temp_max_age_s, 10, 7 * 24 * 3600),
        session_idle_s=_number(env, "POLICYKB_SESSION_IDLE", WebConfig.session_idle_s, 60, 7 * 24 * 3600),
    )


def _assistant(env: Mapping[str, str]) -> AssistantConfig:
    answerer = (env.get("POLICYKB_ANSWERER") or "extractive").lower()
    if answerer not in ("extractive", "llm"):
        raise SettingsError(f"POLICYKB_ANSWERER='{answerer}' must be 'extractive' or 'llm'")
    kind = (env.get("POLICYKB_LLM_KIND") or "openai").lower()
    if kind not in ("openai", "ollama"):
        raise SettingsError(f"POLICYKB_LLM_KIND='{kind}' must be 'openai' or 'ollama'")
    llm = LLMConfig(
        kind=kind,  # type: ignore[arg-type]  # checked just above
        base_url=env.get("POLICYKB_LLM_URL", ""),
        model=env.get("POLICYKB_LLM_MODEL", ""),
        api_key=env.get("POLICYKB_LLM_API_KEY") or LLMConfig.api_key,
    )
    if answerer == "llm" and not (llm.base_url and llm.model):
        raise SettingsError("POLICYKB_ANSWERER=llm needs POLICYKB_LLM_URL and POLICYKB_LLM_MODEL")
    translate_url = env.get("POLICYKB_TRANSLATE_URL", "").strip()
    if translate_url and urlsplit(translate_url).scheme not in ("http", "https"):
        raise SettingsError(f"POLICYKB_TRANSLATE_URL='{translate_url}' must be an http:// or https:// URL")
    return AssistantConfig(
        answerer=answerer,  # type: ignore[arg-type]  # checked just above
        min_relevance=_number(env, "POLICYKB_MIN_RELEVANCE", AssistantConfig.min_relevance, 0.0, 2.0),
        dimensions_path=_existing_file(env, "POLICYKB_DIMENSIONS", "a dimensions TSV") or AssistantConfig.dimensions_path,
        llm=llm,
        translate=TranslateConfig(url=translate_url, api_key=env.get("POLICYKB_TRANSLATE_API_KEY", "")),
    )
