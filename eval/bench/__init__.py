"""``policykb bench``: measured speed and memory, written to BENCHMARKS.md with the machine it ran on.

One run measures:

- ingest of a dataset's corpus (by default the sample corpus) into a fresh store with an empty
  embedding cache, so every passage is embedded, against pure embedding of the same passage texts
  with a fresh model: the ratio says how far ingest is from the embedder, its physical limit;
- warm in-process search latency (query embedding included) on synthetic stores of the given
  sizes, unfiltered, with a narrow country filter and with a broad one, and the first query (the
  lexical index is built then);
- the same through a Chroma server (``chroma run`` over each synthetic store's folder), with the
  server's memory and the app's beside it (``server=False`` skips it);
- what a plan for more chunks needs (:func:`scaling`): fill time, disk, memory and latency per size,
  and per additional chunk;
- the stock llama-index hybrid a user would assemble instead (eval/baseline.py): its nDCG@10 on
  the dataset and its latency, next to ours, its latency on the synthetic stores, and where the
  dense gap between its vector side and our dense mode comes from (eval/dense_gap.py);
- peak memory (VmHWM) of the ingest, and of a serving process holding the largest store, by stage;
- and, to say where the time goes: the ingest's parts and a search's parts (from the stage timers
  kb fills: ``IngestReport.stages``, ``Searcher.stages``), and the query embedding alone with each
  OpenMP thread setting.

The package holds one module per measurement (``ingest``, ``search``, ``server``, ``serve``,
``query_embedding``, ``baseline``, ``quality``, ``ask``, ``scaling``), the machine probes
(``machine``), the spawn runner (``runner``), the queries and filter cases (``workload``), the
synthetic stores (``synthetic``), the run (``run``) and the Markdown (``render``, with
``render_search`` and ``render_baseline``).

Each measurement runs in a child process of its own, so its peak memory is its own and no Chroma
client or model outlives it. Synthetic stores hold random unit vectors and text drawn from a small
Arabic, French and English vocabulary: latency depends on the index size and on how many passages
a query's terms occur in, not on what the text means. They are kept in ``cache_dir`` between runs
(keyed by size and by :data:`eval.bench.synthetic.SYNTHETIC_VERSION`), since filling 100,000 passages takes minutes.
"""

from eval.bench.ingest import ingest_bench
from eval.bench.machine import machine
from eval.bench.render import render_markdown
from eval.bench.run import run_bench
from eval.bench.runner import BenchError, in_child
from eval.bench.scaling import scaling
from eval.bench.synthetic import VOCABULARY, fill_synthetic, synthetic_store, synthetic_texts

__all__ = [
    "VOCABULARY",
    "BenchError",
    "fill_synthetic",
    "in_child",
    "ingest_bench",
    "machine",
    "render_markdown",
    "run_bench",
    "scaling",
    "synthetic_store",
    "synthetic_texts",
]
