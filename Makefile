# Two commands for a fresh machine: `make run` and `make test` (see README).
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
BIN     := $(VENV)/bin
# Debian packages. To run: Tesseract with Arabic, French and English data and poppler's pdftoppm, for
# OCR of scanned or unreadable PDF pages (optional at run time: without them ingest reports those
# pages). To test, also a font with Arabic glyphs for the PDF writers and the browser, and the
# headless browser the web tests drive (Playwright launches /usr/bin/chromium; it downloads nothing).
APT_RUN  := poppler-utils tesseract-ocr tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-eng
APT_TEST := $(APT_RUN) fonts-dejavu-core chromium
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run chroma test install install-test system-deps run-deps lint typecheck docs corpus eval bench clean

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -q -e .
	touch $@

# llama-index-retrievers-bm25 (the baseline of `policykb bench`) pins PyStemmer<3; it runs with
# ours, so it is installed without its dependency pins (see pyproject.toml).
LLAMA_BM25 := llama-index-retrievers-bm25>=0.8,<0.9

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -q -e '.[test]'
	$(PIP) install -q --no-deps '$(LLAMA_BM25)'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Installs the missing ones among $(1) (apt-get update first: a fresh machine has no package lists).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

system-deps:
	$(call apt_install,$(APT_TEST))

run-deps:
	$(call apt_install,$(APT_RUN))

# Ingest the sample corpus into the default embedded store (./.policykb), then serve the web
# assistant on http://127.0.0.1:7860 (PORT=8080 make run to change it; Ctrl+C stops).
# With CHROMA_URL=http://127.0.0.1:8000 (a server started by `make chroma`), the same on the server.
PORT ?= 7860
ifdef CHROMA_URL
run: export POLICYKB_CHROMA_URL := $(CHROMA_URL)
endif
run: install run-deps
	$(BIN)/policykb ingest corpus/documents
	$(BIN)/policykb stats
	$(BIN)/policykb serve --port $(PORT)

# A Chroma server for server mode, on loopback (CHROMA_HOST=0.0.0.0 for other machines; put it behind
# a firewall or proxy: Chroma has no login of its own here). Several `policykb serve` can share it.
CHROMA_DIR  ?= .chroma
CHROMA_HOST ?= 127.0.0.1
CHROMA_PORT ?= 8000
chroma: install
	$(BIN)/chroma run --path $(CHROMA_DIR) --host $(CHROMA_HOST) --port $(CHROMA_PORT)

# Lint and types first (a minute), then the suite.
test: install-test system-deps lint typecheck
	$(PY) -m pytest

lint: install-test
	$(BIN)/ruff check ingest kb assistant eval policykb corpus tests

# mypy --strict (pyproject.toml) on the packages and the tests; the corpus build is scripts beside
# its data, not a package, so its modules are named from the checkout's root.
typecheck: install-test
	$(BIN)/mypy
	$(BIN)/mypy --explicit-package-bases corpus

# The documentation site (docs/, mkdocs.yml) into site/, offline; --strict fails on a broken link.
$(VENV)/.installed-docs: pyproject.toml | $(PY)
	$(PIP) install -q -e '.[docs]'
	touch $@ $(VENV)/.installed

docs: $(VENV)/.installed-docs
	$(BIN)/mkdocs build --strict --site-dir site

# Retrieval quality on the gold set (all modes), and the benchmarks that write BENCHMARKS.md.
eval: install-test
	$(BIN)/policykb eval --out eval-report

bench: install-test
	$(BIN)/policykb bench --sizes 1000,10000,100000

# Regenerate corpus/documents from corpus/sources (PDF, DOCX, HTML, Markdown).
corpus: install-test system-deps
	$(PY) corpus/build.py

clean:
	rm -rf .policykb .chroma .pytest_cache eval-report site
