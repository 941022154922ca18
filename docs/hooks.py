"""mkdocs hook: the repository's own Markdown files on the site, and links that hold on both.

The pages in docs/ link to files beside them in the repository (`../../BENCHMARKS.md`), so the links
work where people read the repository. mkdocs only knows docs/, so this hook carries the files named
in REPOSITORY_PAGES into the site under `repo/` and rewrites every relative link, in docs/ pages and
in those files alike, to the page it means on the site. A link to a file that does not exist, or to
one the site does not carry, fails the build (`make docs` runs mkdocs with --strict).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

# Repository files (outside docs/) that the site carries, by their path in the repository.
REPOSITORY_PAGES = ("README.md", "CONTRIBUTING.md", "BENCHMARKS.md", "eval/README.md", "corpus/README.md")
MIRROR = "repo/"
# An inline Markdown link or image target: ](target) or ](target "title").
LINK = re.compile(r"(\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")


def _root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    root = _root(config)
    for path in REPOSITORY_PAGES:
        content = (root / path).read_text(encoding="utf-8")
        files.append(File.generated(config, MIRROR + path, content=content))
    return files


def _repository_path(page: Page, docs_dir: str) -> str:
    """Where the page's Markdown lives in the repository."""
    uri = page.file.src_uri
    return uri[len(MIRROR) :] if uri.startswith(MIRROR) else posixpath.join(docs_dir, uri)


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
    root = _root(config)
    docs_dir = Path(config.docs_dir).resolve().relative_to(root).as_posix()
    source = _repository_path(page, docs_dir)

    def rewrite(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
            return match.group(0)  # absolute URLs and same-page anchors: mkdocs checks these itself
        path, _, anchor = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if resolved.startswith(docs_dir + "/"):
            site_path = resolved[len(docs_dir) + 1 :]
        elif resolved in REPOSITORY_PAGES:
            site_path = MIRROR + resolved
        elif (root / resolved).exists():
            raise PluginError(f"{source}: links to {target}, which the site does not carry; add it to REPOSITORY_PAGES")
        else:
            raise PluginError(f"{source}: links to {target}, which does not exist")
        relative = posixpath.relpath(site_path, posixpath.dirname(page.file.src_uri) or ".")
        return match.group(1) + relative + (f"#{anchor}" if anchor else "") + match.group(3)

    return LINK.sub(rewrite, markdown)
