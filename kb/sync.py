"""Bring the store in step with files: content hashes decide what is added, replaced or pruned."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunk import chunk_document
from ingest.config import IngestConfig
from ingest.errors import IngestError
from ingest.load import SourceFile, content_hash, discover
from ingest.records import Document
from ingest.sandbox import ParserProcess
from ingest.sentences import split_sentences
from kb.embed import Embedder
from kb.lock import writer_lock
from kb.store import Store, StoredDocument, store_lock_path
from kb.timing import StageTimes


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    failed: list[IngestError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # of documents that were stored: pages not indexed, a guessed encoding
    chunks_written: int = 0
    pages_read: int = 0
    pages_not_indexed: int = 0
    orphans_removed: int = 0
    seconds: float = 0.0  # wall time of the whole run, lock wait included
    # Where the time went: parse_wait (for the parser process), chunk (count_tokens within it), embed,
    # read_ahead, chroma_write. ``policykb bench`` reports them.
    stages: StageTimes = field(default_factory=StageTimes)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.pruned)} pruned, {len(self.failed)} failed; {self.chunks_written} chunks written"
            + (f"; {self.pages_not_indexed} page(s) not indexed" if self.pages_not_indexed else "")
        )


Progress = Callable[[Iterable[SourceFile]], Iterable[SourceFile]]


def _no_progress(items: Iterable[SourceFile]) -> Iterable[SourceFile]:
    return items


def sweep_orphans(store: Store) -> int:
    """Delete chunks no committed document vouches for, where it is safe: an embedded store's writer
    holds its lock, so every uncommitted chunk is a leftover. On a Chroma server another process may be
    writing a document right now, and its chunks are uncommitted until its last step: they are left
    alone. A document's own stale chunks go when it is written again (Store.write_document), and
    readers never see uncommitted chunks either way."""
    return store.remove_orphans() if store_lock_path(store.config) is not None else 0


def _index(doc: Document, root: str, store: Store, embedder: Embedder, config: IngestConfig, stages: StageTimes) -> int:
    with stages.stage("chunk"):
        chunks = chunk_document(doc, stages.timed("count_tokens", embedder.count_tokens), config.chunk)
    if not chunks:
        return 0
    with stages.stage("embed"):
        embeddings = embedder.embed_passages([chunk.embed_text for chunk in chunks])
    # Read ahead: the assistant compares a passage's sentences with the question (assistant.extract.
    # by_meaning); embedded now, they are cache hits when a user asks. Front matter is never quoted.
    with stages.stage("read_ahead"):
        embedder.read_ahead(
            [s.text for chunk in chunks if not chunk.lead for s in split_sentences(chunk.text, (chunk.section, chunk.article))]
        )
    with stages.stage("chroma_write"):
        store.write_document(doc, chunks, embeddings, root=root)
    return len(chunks)


def ingest_paths(
    paths: list[Path],
    store: Store,
    embedder: Embedder,
    config: IngestConfig = IngestConfig(),
    prune: bool = False,
    progress: Progress = _no_progress,
) -> IngestReport:
    """Ingest files and folders. A failed file is reported and skipped; the others go on.

    Holds the store's writer lock for the whole run.
    """
    report = IngestReport()
    started = time.perf_counter()
    with writer_lock(store_lock_path(store.config)):
        report.orphans_removed = sweep_orphans(store)
        stored = store.stored_documents()
        found = discover(paths)
        report.failed.extend(found.errors)
        sources = list(found.sources)
        _ingest_sources(report, sources, stored, store, embedder, config, progress)

        if prune:
            seen = {source.doc_id for source in sources}
            roots = {str(source.root) for source in sources} | {str(p.resolve()) for p in paths if p.is_dir()}
            for doc_id, previous in stored.items():
                if doc_id not in seen and previous.metadata.get("root") in roots:
                    store.delete_document(doc_id)
                    report.pruned.append(doc_id)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def ingest_sources(
    sources: Sequence[SourceFile],
    store: Store,
    embedder: Embedder,
    config: IngestConfig = IngestConfig(),
    progress: Progress = _no_progress,
) -> IngestReport:
    """Ingest the given files, each with the root its document id is relative to; nothing is pruned.

    The caller holds the store's writer lock, ``with writer_lock(store_lock_path(store.config)):``,
    around this call, so that it can prepare the files under the same lock (the web app's uploads
    stage files, ingest them, then keep or restore them). A failed file is reported and skipped.
    """
    report = IngestReport()
    started = time.perf_counter()
    report.orphans_removed = sweep_orphans(store)
    _ingest_sources(report, sources, store.stored_documents(), store, embedder, config, progress)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _ingest_sources(
    report: IngestReport,
    sources: Sequence[SourceFile],
    stored: Mapping[str, StoredDocument],
    store: Store,
    embedder: Embedder,
    config: IngestConfig,
    progress: Progress,
) -> None:
    """Hash, parse and index ``sources`` into ``report``; the caller holds the writer lock."""
    todo: list[tuple[SourceFile, str]] = []
    for source in sources:
        try:
            digest = content_hash(source)
        except (IngestError, OSError) as err:
            report.failed.append(err if isinstance(err, IngestError) else _unreadable(source, err))
            continue
        previous = stored.get(source.doc_id)
        if previous is not None and previous.content_hash == digest:
            report.unchanged.append(source.doc_id)
        else:
            todo.append((source, "updated" if previous is not None else "added"))

    with ParserProcess(config.parse, config.load) as parser:
        pending = iter(progress(s for s, _ in todo))
        kinds = {s.doc_id: kind for s, kind in todo}
        current = next(pending, None)
        if current is not None:
            parser.submit(current)
        while current is not None:
            try:
                with report.stages.stage("parse_wait"):
                    doc: Document | None = parser.result()
            except IngestError as err:
                report.failed.append(err)
                doc = None
            following = next(pending, None)
            if following is not None:
                parser.submit(following)  # parse the next file while this one is embedded
            if doc is not None:
                _record(
                    report, doc, kinds[current.doc_id], _index(doc, str(current.root), store, embedder, config, report.stages)
                )
            current = following


def _unreadable(source: SourceFile, err: OSError) -> IngestError:
    # err's own text repeats the (possibly long) path: the reason alone is enough
    return IngestError(source.path, f"cannot read the file ({err.strerror or err})", "check that it exists and is readable")


def ingest_documents(
    docs: Iterable[Document | IngestError],
    store: Store,
    embedder: Embedder,
    config: IngestConfig = IngestConfig(),
    root: str = "",
    prune: bool = False,
) -> IngestReport:
    """Ingest documents built in memory (text records rather than files), with the same rules.

    ``root`` names the collection they come from; with ``prune``, stored documents of that root
    that are not among ``docs`` are removed. Errors in the stream are reported, not raised.
    """
    report = IngestReport()
    started = time.perf_counter()
    with writer_lock(store_lock_path(store.config)):
        report.orphans_removed = sweep_orphans(store)
        stored = store.stored_documents()
        seen: set[str] = set()
        for doc in docs:
            if isinstance(doc, IngestError):
                report.failed.append(doc)
                continue
            seen.add(doc.doc_id)
            previous = stored.get(doc.doc_id)
            if previous is not None and previous.content_hash == doc.content_hash:
                report.unchanged.append(doc.doc_id)
                continue
            kind = "updated" if previous is not None else "added"
            _record(report, doc, kind, _index(doc, root, store, embedder, config, report.stages))
        if prune:
            for doc_id, previous in stored.items():
                if doc_id not in seen and previous.metadata.get("root") == root:
                    store.delete_document(doc_id)
                    report.pruned.append(doc_id)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _record(report: IngestReport, doc: Document, kind: str, chunks: int) -> None:
    report.chunks_written += chunks
    report.pages_read += len(doc.pages)
    report.pages_not_indexed += sum(1 for page in doc.pages if page.skipped and page.skipped != "no text")  # as noted
    report.warnings.extend(doc.notes)
    (report.added if kind == "added" else report.updated).append(doc.doc_id)


def tty_progress(quiet: bool) -> Progress:
    """A one-line progress display on stderr for interactive runs; nothing when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return _no_progress

    def bar(items: Iterable[SourceFile]) -> Iterable[SourceFile]:
        materialised = list(items)
        total = len(materialised)
        for done, source in enumerate(materialised):
            percent = 100 * done // max(total, 1)
            sys.stderr.write(f"\r\033[Kingest: {percent:3d}% {done}/{total} {source.doc_id[-60:]}")
            sys.stderr.flush()
            yield source
        if total:
            sys.stderr.write(f"\r\033[Kingest: 100% {total}/{total}\n")
            sys.stderr.flush()

    return bar
