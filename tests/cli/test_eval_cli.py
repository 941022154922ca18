"""``policykb eval`` as evaluators run it: on their own BEIR folder, as JSON or as a report folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.eval.test_harness import small_dataset

POLICYKB = str(Path(sys.executable).with_name("policykb"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([POLICYKB, *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_dataset(tmp_path_factory.mktemp("eval-cli") / "small")


def test_eval_json_on_a_beir_folder(dataset: Path, cli_env: dict[str, str]) -> None:
    result = run(["eval", "--dataset", str(dataset), "--json"], cli_env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["dataset"], summary["queries"], summary["evaluated"], summary["documents"]) == ("small", 6, 5, 8)
    assert list(summary["modes"]) == ["dense", "lexical", "hybrid"]
    hybrid = summary["modes"]["hybrid"]
    assert set(hybrid["overall"]) == {"ndcg@10", "recall@10", "recall@100", "mrr@10", "queries"}
    assert "en->ar" in hybrid["by_pair"] and set(hybrid["by_crossing"]) == {"same", "cross"}
    assert "rankings" not in summary, "--json prints the summary; rankings go to results.json"
    # The bad corpus row is reported on stderr, one line, and the run goes on.
    assert result.stderr.count("\n") == 1 and "corpus.jsonl:4: field 'text' is missing" in result.stderr


def test_eval_out_writes_report_results_and_chart(dataset: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = run(["eval", "--dataset", str(dataset), "--mode", "hybrid", "--k", "5", "--out", str(out)], cli_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "small: 5 of 6 queries evaluated (1 without a relevant document skipped), 8 documents"
    assert lines[1].split() == ["mode", "ndcg@5", "recall@5", "recall@100", "mrr@5", "p50", "ms", "p95", "ms"]
    assert lines[2].startswith("hybrid ") and lines[-1].startswith(f"wrote {out / 'report.md'}")
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Retrieval evaluation: small\n")
    for heading in ("## Overall", "## By query language", "## By language pair", "## Same-language", "## By kind", "## Problems"):
        assert heading in report, heading
    assert "| fr->ar | hybrid | 1 |" in report and "corpus.jsonl:4: field 'text' is missing" in report
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert list(results["modes"]) == ["hybrid"] and results["config"]["k"] == 5
    ranking = results["rankings"]["hybrid"]["q-olive"]
    assert len(ranking) == 8 and all(isinstance(doc, str) and isinstance(score, float) for doc, score in ranking)
    assert set(results["per_query"]["hybrid"]) == {"q-olive", "q-peche", "q-water", "q-desal", "q-startup"}
    assert (out / "modes.png").read_bytes().startswith(PNG_SIGNATURE)


def test_missing_dataset_folder_is_a_one_line_error(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = run(["eval", "--dataset", str(tmp_path / "nowhere")], cli_env)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"policykb: {tmp_path / 'nowhere'}: no such folder")
    assert "corpus.jsonl" in result.stderr and "qrels/test.tsv" in result.stderr


def test_bad_flags_and_help(cli_env: dict[str, str], dataset: Path) -> None:
    result = run(["eval", "--dataset", str(dataset), "--k", "0"], cli_env)
    assert result.returncode == 2 and result.stderr == "policykb: --k must be at least 1\n"
    result = run(["eval", "--mode", "sparse"], cli_env)
    assert result.returncode == 2 and "invalid choice: 'sparse'" in result.stderr
    help_text = run(["eval", "--help"], cli_env).stdout
    assert "policykb eval --dataset my-set/ --mode hybrid" in help_text and "results.json" in help_text


def test_eval_answers_measures_the_assistant(dataset: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run(["eval", "--answers", "--dataset", str(dataset), "--json", "--out", str(tmp_path / "out")], cli_env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    for key in ("citation_verbatim", "citation_from_relevant", "country_coverage", "abstention_accuracy", "false_abstention"):
        assert key in summary, key
    assert summary["answerable"] >= 1 and summary["latency_ms"]["p95"] > 0
    assert summary["citation_verbatim"] in (None, 1.0), "every quote is verbatim in its passage"
    assert (tmp_path / "out" / "answers.md").read_text(encoding="utf-8").startswith("# Answers on")
    assert "answers" in json.loads((tmp_path / "out" / "answers.json").read_text(encoding="utf-8"))
