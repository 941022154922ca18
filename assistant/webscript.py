"""The page's own script: the source viewer for citation numbers, and where a new answer opens.

Plain DOM code, inline in the page head (the Content-Security-Policy allows inline script, nothing
from another host). It only moves markup the server wrote and Gradio's sanitiser passed: every
passage a viewer shows is a hidden copy already inside the answer (``assistant.views.cited_passages``).
"""

from __future__ import annotations

# Clicking, focusing or (with a mouse) resting on a citation number shows its passage in a viewer
# fixed beside the chat on a desktop and as a bottom drawer on a phone (CSS in assistant.webstyle),
# so the page never scrolls. A number in an earlier answer opens that answer's own source; a number
# in the grid opens the latest answer's. Escape or the close button puts focus back on the number.
VIEWER_JS = r"""
(() => {
  const numberOf = (marker) => {
    const found = /#pkb-source-(\d+)$/.exec(marker.getAttribute("href") || "");
    return found ? found[1] : (marker.textContent || "").replace(/[^0-9]/g, "");
  };
  const latestAnswer = () => {
    const all = document.querySelectorAll("#pkb-chat .pkb-answer");
    return all.length ? all[all.length - 1] : null;
  };
  let viewer = null;
  let opener = null;
  let hoverTimer = 0;
  let returning = false;

  const close = (refocus) => {
    if (!viewer || viewer.hidden) { return; }
    viewer.hidden = true;
    document.body.classList.remove("pkb-viewing");
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      if (refocus) {  // back to the number, without opening it again
        returning = true;
        opener.focus({preventScroll: true});
        returning = false;
      }
    }
  };
  const ensureViewer = () => {
    if (viewer) { return viewer; }
    viewer = document.createElement("aside");
    viewer.id = "pkb-viewer";
    viewer.hidden = true;
    viewer.setAttribute("role", "dialog");
    const shut = document.createElement("button");
    shut.type = "button";
    shut.className = "pkb-viewer-close";
    shut.textContent = "\u00d7";
    shut.addEventListener("click", () => close(true));
    const body = document.createElement("div");
    body.className = "pkb-viewer-body";
    body.tabIndex = -1;
    viewer.append(shut, body);
    document.body.append(viewer);
    return viewer;
  };

  const show = (marker, focus) => {
    const answer = marker.closest("#pkb-chat .pkb-answer") || latestAnswer();
    const number = numberOf(marker);
    const source = answer && number ? answer.querySelector(`.pkb-cited .pkb-src-${number}`) : null;
    if (!source) { return false; }
    const box = ensureViewer();
    const body = box.querySelector(".pkb-viewer-body");
    const copy = source.cloneNode(true);
    copy.classList.add("pkb-shown");
    body.replaceChildren(copy);
    box.setAttribute("dir", document.documentElement.getAttribute("dir") || "ltr");  // the interface's
    box.setAttribute("aria-label", marker.getAttribute("title") || marker.textContent);
    box.querySelector(".pkb-viewer-close").setAttribute("aria-label", answer.querySelector(".pkb-cited").title || "Close");
    if (opener && opener !== marker) { opener.setAttribute("aria-expanded", "false"); }
    opener = marker;
    marker.setAttribute("aria-expanded", "true");
    box.hidden = false;
    document.body.classList.add("pkb-viewing");
    const mark = copy.querySelector("mark");  // the quoted words, in view inside the viewer
    body.scrollTop = mark ? Math.max(0, mark.offsetTop - body.clientHeight / 3) : 0;
    if (focus) { body.focus({preventScroll: true}); }
    if (answer === latestAnswer()) {  // keep the sources list in step
      const option = document.querySelector(`#pkb-sources input[type=radio][value="${number}"]`);
      if (option && !option.checked) { option.click(); }
    }
    return true;
  };

  const markerOf = (event) => (event.target.closest ? event.target.closest("a.pkb-cite") : null);
  document.addEventListener("click", (event) => {
    const marker = markerOf(event);
    if (!marker) {  // a click elsewhere closes the viewer (it covers the sources list on a desktop)
      // (Not the script's own click that keeps the sources list in step: that one is not trusted.)
      if (event.isTrusted && viewer && !viewer.hidden && !viewer.contains(event.target)) { close(false); }
      return;
    }
    event.preventDefault();
    clearTimeout(hoverTimer);
    show(marker, true);
  });
  document.addEventListener("focusin", (event) => {
    const marker = markerOf(event);
    if (marker && !returning && marker.matches(":focus-visible")) { show(marker, false); }  // keyboard focus, not a click
  });
  document.addEventListener("mouseover", (event) => {
    const marker = markerOf(event);
    clearTimeout(hoverTimer);
    if (marker && matchMedia("(hover: hover)").matches) { hoverTimer = setTimeout(() => show(marker, false), 250); }
  });
  document.addEventListener("mouseout", (event) => { if (markerOf(event)) { clearTimeout(hoverTimer); } });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") { close(true); } });

  // The sanitiser drops aria-* from chat messages: name each citation link from its title.
  const label = () => {
    for (const marker of document.querySelectorAll("a.pkb-cite:not([aria-label])")) {
      marker.setAttribute("aria-label", marker.getAttribute("title") || marker.textContent);
      marker.setAttribute("aria-expanded", "false");
    }
  };
  new MutationObserver(label).observe(document.documentElement, {childList: true, subtree: true});
})();
"""

# The chat's own autoscroll is off (it showed a long answer's end, its top hidden under the label).
# A new answer is shown from its top instead: the chat scrolls to it, and the page too when the chat
# is out of view (the user had scrolled away), so the answer always renders in view.
SCROLL_JS = r"""
(() => {
  let answers = 0;
  const scroller = (node) => {
    for (let el = node.parentElement; el && el.id !== "pkb-chat"; el = el.parentElement) {
      const style = getComputedStyle(el).overflowY;
      if ((style === "auto" || style === "scroll") && el.scrollHeight > el.clientHeight) { return el; }
    }
    return null;
  };
  const reveal = () => {
    const all = document.querySelectorAll("#pkb-chat .pkb-answer");
    const grew = all.length > answers;
    answers = all.length;
    if (!grew) { return; }
    const answer = all[all.length - 1];
    const chat = document.getElementById("pkb-chat");
    const box = chat.getBoundingClientRect();
    if (box.top < 0 || box.top > innerHeight * 0.6) { chat.scrollIntoView({block: "start"}); }
    const pane = scroller(answer);
    if (pane) {
      const label = chat.querySelector("[data-testid=block-label]");
      const gap = (label ? label.getBoundingClientRect().height : 0) + 8;
      pane.scrollTop += answer.getBoundingClientRect().top - pane.getBoundingClientRect().top - gap;
    }
  };
  new MutationObserver(() => requestAnimationFrame(reveal)).observe(document.documentElement, {childList: true, subtree: true});
})();
"""

# The copy buttons of an answer copy the Markdown or the plain text the message carries, never its HTML.
# The clipboard API needs a secure context (https or localhost); elsewhere the older copy command does.
COPY_JS = r"""
(() => {
  const fallback = (value) => {
    const area = document.createElement("textarea");
    area.value = value;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  };
  const write = async (value) => {
    try { await navigator.clipboard.writeText(value); return true; } catch (error) { return fallback(value); }
  };
  document.addEventListener("click", async (event) => {
    const button = event.target.closest ? event.target.closest("button.pkb-copy") : null;
    if (!button) { return; }
    event.preventDefault();
    const answer = button.closest(".pkb-answer");
    const kind = button.classList.contains("pkb-copy-as-md") ? "md" : "text";
    const source = answer ? answer.querySelector(`.pkb-copy-${kind}`) : null;
    if (!source) { return; }
    if (await write(source.textContent)) {
      button.classList.add("pkb-copied");
      setTimeout(() => button.classList.remove("pkb-copied"), 2000);
    }
  });
})();
"""

# The library: a search over titles, one filter per column, counts that filter, sortable columns. All
# on the rows the server wrote (their data-* attributes), so a 1,000-document store needs no round trip.
# Titles are compared without case, accents or Arabic short vowels, as a reader types them.
LIBRARY_JS = r"""
(() => {
  const fold = (value) => (value || "").normalize("NFKD").replace(/[\u0300-\u036f\u064b-\u065f\u0670]/g, "").toLowerCase();
  const apply = (library) => {
    const query = fold((library.querySelector(".pkb-lib-q") || {}).value);
    const wanted = {};
    library.querySelectorAll("select[data-filter]").forEach((s) => { if (s.value) { wanted[s.dataset.filter] = s.value; } });
    let shown = 0;
    library.querySelectorAll("table.pkb-docs tbody tr").forEach((row) => {
      const title = fold(row.cells[0] ? row.cells[0].textContent : "");
      const fits = (!query || title.includes(query)) && Object.entries(wanted).every(([k, v]) => row.dataset[k] === v);
      row.hidden = !fits;
      shown += fits ? 1 : 0;
    });
    const count = library.querySelector(".pkb-lib-shown");
    if (count) {
      const total = Number(count.dataset.total);
      const forms = JSON.parse(count.dataset.forms || "{}");
      const form = typeof forms === "string" ? forms : (forms[new Intl.PluralRules(count.lang).select(total)] || forms.other);
      count.textContent = form.replaceAll("{n}", String(total)).replaceAll("{shown}", String(shown));
      count.dataset.shown = String(shown);
    }
    const empty = library.querySelector(".pkb-lib-empty");
    if (empty) { empty.hidden = shown > 0; }
  };
  const sort = (button) => {
    const table = button.closest("table");
    const head = button.closest("th");
    const column = Number(button.dataset.col);
    const ascending = head.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach((th) => th.setAttribute("aria-sort", "none"));
    head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const key = (row) => (row.cells[column] ? row.cells[column].textContent.trim() : "");
    const numeric = button.dataset.kind === "number";
    const collator = new Intl.Collator(document.documentElement.lang || undefined, {sensitivity: "base", numeric: true});
    const rows = Array.from(table.tBodies[0].rows);
    rows.sort((a, b) => {
      const order = numeric ? (Number(key(a)) || 0) - (Number(key(b)) || 0) : collator.compare(key(a), key(b));
      return ascending ? order : -order;
    });
    table.tBodies[0].append(...rows);
  };
  document.addEventListener("input", (event) => {
    const library = event.target.closest ? event.target.closest(".pkb-library") : null;
    if (library && event.target.matches(".pkb-lib-q, select[data-filter]")) { apply(library); }
  });
  document.addEventListener("change", (event) => {
    const library = event.target.closest ? event.target.closest(".pkb-library") : null;
    if (library && event.target.matches("select[data-filter]")) { apply(library); }
  });
  document.addEventListener("click", (event) => {
    const target = event.target.closest ? event.target.closest(".pkb-lib-count, .pkb-lib-sort, .pkb-lib-clear") : null;
    const library = target ? target.closest(".pkb-library") : null;
    if (!library) { return; }
    event.preventDefault();
    if (target.classList.contains("pkb-lib-sort")) { sort(target); return; }
    const search = library.querySelector(".pkb-lib-q");
    if (search) { search.value = ""; }
    const counted = target.classList.contains("pkb-lib-count");
    library.querySelectorAll("select[data-filter]").forEach((s) => {
      s.value = counted && s.dataset.filter === target.dataset.filter ? target.dataset.value : "";
    });
    apply(library);
    if (target.classList.contains("pkb-lib-count")) {
      const list = library.querySelector("table.pkb-docs");
      if (list) { list.scrollIntoView({block: "start", behavior: "smooth"}); }
    }
  });
})();
"""
