"""The page's CSS and the two small scripts, kept as strings so the package needs no data files.

Colours use Gradio's theme variables where they exist, so light and dark mode both read well.
"""

from __future__ import annotations

# Runs once in a hidden gr.HTML ("bridge"): one capturing listener turns a click on a citation
# marker in the chat ([n] link) or on a source card into this component's 'click' event, carrying
# the ref ("turn-c-n" / "turn-r-i"). The latest mount's trigger wins, so a re-render is harmless.
BRIDGE_JS = r"""
window.__cfOpenSource = (ref) => trigger('click', {ref: ref});
if (!window.__cfListening) {
  window.__cfListening = true;
  const target = (e) => {
    for (const el of e.composedPath()) {
      if (!(el instanceof Element)) continue;
      if (el.matches('a.cf-ext')) return null;  // "Original" links open the publisher's page
      if (el.matches('[data-cf-ref]')) return el.getAttribute('data-cf-ref');
      if (el.matches('a[href^="#cf-ref-"]')) return el.getAttribute('href').slice(8);
    }
    return null;
  };
  const open = (e) => {
    const ref = target(e);
    if (!ref) return;
    e.preventDefault();
    e.stopPropagation();
    window.__cfOpenSource(ref);
  };
  document.addEventListener('click', open, true);
  document.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target.matches?.('article[data-cf-ref]')) open(e);
  }, true);
}
"""

# The viewer scrolls its document so the highlighted span sits near the top third, then makes
# sure the viewer itself is on screen (on a phone it is below the chat).
VIEWER_JS = r"""
const reveal = () => requestAnimationFrame(() => {
  const mark = element.querySelector('#cf-hl');
  const doc = element.querySelector('.cf-doc');
  if (!mark || !doc) return;
  const offset = mark.getBoundingClientRect().top - doc.getBoundingClientRect().top;
  doc.scrollTop = Math.max(0, doc.scrollTop + offset - doc.clientHeight / 4);
  const box = document.getElementById('cf-viewer-box') || element;
  const top = box.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.5) {
    box.scrollIntoView({block: 'start', behavior: 'instant'});
  }
});
reveal();
watch('value', reveal);
"""

# Gradio scopes ``css=`` rules under its content container; rules that depend on something
# outside it (the page margins, the .dark class on <body>) go into <head> instead.
HEAD = """<style>
@media (max-width: 700px) {
  .gradio-container .main.app { padding-left: 10px !important; padding-right: 10px !important; }
}
.dark #cf-chat .bot:has(.cf-noevidence) { background: #3a2f17 !important; }
.dark #cf-chat .bot:has(.cf-error) { background: #3a1d1d !important; }
.dark .cf-card mark, .dark .cf-viewer mark { background: #8a6d00; color: #fff; }
.dark .cf-related-tag, .dark .cf-viewer-related .cf-viewer-ref { color: #f0b94d; }
</style>"""

CSS = r"""
#cf-header { margin: 0; }
#cf-header h1 { font-size: 1.35rem; margin: 0; line-height: 1.2; }
#cf-header p { margin: 1px 0 0; color: var(--body-text-color-subdued); font-size: 0.9rem; }
#cf-bridge { display: none !important; }

/* chat */
#cf-chat .cf-cite, #cf-chat .cf-related {
  text-decoration: none; font-weight: 600; cursor: pointer; font-size: inherit;
  color: var(--color-accent); padding: 0 1px; border-radius: 3px;
}
#cf-chat .cf-related { font-weight: 500; }
#cf-chat .placeholder-content { padding: 12px 14px; }
#cf-sources a, #cf-viewer a, #cf-corpus a { padding-left: 0 !important; }
#cf-chat .cf-cite:hover, #cf-chat .cf-related:hover { background: var(--color-accent-soft); }
/* "no evidence" and error messages must not look like answers */
#cf-chat .bot:has(.cf-noevidence) {
  background: #fff7e6 !important; border: 1px dashed #d9a441 !important; border-radius: 10px;
}
#cf-chat .bot:has(.cf-error) {
  background: #fdecec !important; border: 1px solid #e3a3a3 !important; border-radius: 10px;
}

/* panels */
.cf-panel-title { font-weight: 700; font-size: 1.02rem; margin: 0 0 4px; }
.cf-panel-note { margin: 0 0 10px; color: var(--body-text-color-subdued); font-size: 0.88rem; }
.cf-count {
  display: inline-block; min-width: 1.4em; text-align: center; font-size: 0.8rem;
  background: var(--background-fill-secondary); border-radius: 999px; padding: 0 6px;
}
#cf-sources { max-height: 640px; overflow-y: auto; padding-right: 4px; }
.cf-empty p:not(.cf-panel-title) { color: var(--body-text-color-subdued); font-size: 0.92rem; }
.cf-chip {
  font-weight: 600; color: var(--color-accent); background: var(--color-accent-soft);
  border-radius: 3px; padding: 0 3px;
}

/* source cards */
.cf-card {
  border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin: 0 0 10px; background: var(--background-fill-primary); cursor: pointer;
  transition: border-color .15s, box-shadow .15s;
}
.cf-card:hover, .cf-card:focus {
  border-color: var(--color-accent); box-shadow: 0 1px 6px rgba(0,0,0,.08); outline: none;
}
.cf-card-related { border-style: dashed; background: var(--background-fill-secondary); }
.cf-card-top { display: flex; gap: 8px; align-items: center; margin-bottom: 4px; }
.cf-num {
  font-weight: 700; color: var(--color-accent); background: var(--color-accent-soft);
  border: none; border-radius: 5px; padding: 1px 7px; cursor: pointer; font-size: 0.9rem;
}
.cf-related-tag { font-size: 0.8rem; color: #8a5a00; font-weight: 600; }
.cf-card-title { margin: 2px 0; font-size: 0.98rem; line-height: 1.3; font-weight: 650; }
.cf-meta { font-size: 0.82rem; color: var(--body-text-color-subdued); margin-bottom: 6px; }
.cf-also { font-size: 0.8rem; color: var(--body-text-color-subdued); margin: 4px 0; }
.cf-excerpt {
  margin: 0 0 8px; padding: 6px 10px; border-left: 3px solid var(--border-color-primary);
  font-size: 0.88rem; line-height: 1.45; color: var(--body-text-color); background: none;
  overflow-wrap: anywhere; white-space: pre-line;
}
.cf-card mark, .cf-viewer mark {
  background: #ffe58a; color: #1f1f1f; padding: 0 1px; border-radius: 2px;
}
.cf-card-actions {
  display: flex; gap: 12px; align-items: center; font-size: 0.85rem; flex-wrap: wrap;
}
.cf-open {
  background: none; border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: 2px 8px; cursor: pointer; color: var(--body-text-color); font-size: 0.84rem;
}
.cf-open:hover { border-color: var(--color-accent); color: var(--color-accent); }
.cf-ext { color: var(--color-accent); }

/* kind badges: fixed classes from index.web.html.KIND_CLASSES */
.cf-badge {
  display: inline-block; font-size: 0.78rem; font-weight: 600; line-height: 1.35;
  border-radius: 999px; padding: 1px 9px; white-space: nowrap;
}
.cf-kind-court { background: #ede4ff; color: #5b21b6; }
.cf-kind-statute { background: #dbeafe; color: #1e40af; }
.cf-kind-bill { background: #ccfbf1; color: #115e59; }
.cf-kind-gov { background: #e2e8f0; color: #1e293b; }
.cf-kind-advocacy { background: #ffedd5; color: #9a3412; }
.cf-kind-news { background: #dcfce7; color: #166534; }
.cf-kind-editorial, .cf-kind-other { background: #f1f1f1; color: #444; }

/* source viewer */
#cf-viewer-box {
  border: 2px solid var(--color-accent); border-radius: 12px; padding: 10px 12px 6px;
  background: var(--background-fill-primary);
}
#cf-viewer-head { align-items: center; }
#cf-viewer-head .cf-panel-title { margin: 0; }
.cf-viewer-head { display: flex; gap: 8px; align-items: center; }
.cf-viewer-ref { font-size: 0.85rem; font-weight: 600; color: var(--body-text-color-subdued); }
.cf-viewer-related .cf-viewer-ref { color: #8a5a00; }
.cf-viewer-title { margin: 6px 0 4px; font-size: 1.05rem; line-height: 1.3; }
.cf-viewer-meta {
  display: grid; grid-template-columns: max-content 1fr; gap: 1px 10px; margin: 0 0 8px;
  font-size: 0.82rem;
}
.cf-viewer-meta dt { color: var(--body-text-color-subdued); margin: 0; }
.cf-viewer-meta dd { margin: 0; overflow-wrap: anywhere; }
.cf-doc {
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 360px; overflow-y: auto;
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  font-size: 0.88rem; line-height: 1.5; background: var(--background-fill-secondary);
  position: relative;
}
.cf-passage { background: rgba(255, 229, 138, 0.28); }
.cf-viewer mark.cf-hl { outline: 2px solid #e0b100; }
.cf-warn { color: #a61b1b; }

/* corpus */
.cf-corpus-summary, .cf-corpus-filter { margin: 4px 0 8px; font-size: 0.92rem; }
.cf-table-wrap { overflow-x: auto; }
.cf-table { width: 100%; border-collapse: collapse; font-size: 0.88rem; border: none; }
.cf-table th, .cf-table td { border-left: none !important; border-right: none !important; }
.cf-table th {
  text-align: left; font-weight: 700; border-bottom: 2px solid var(--border-color-primary);
  padding: 6px 8px; position: sticky; top: 0; background: var(--background-fill-primary);
}
.cf-table td {
  border-bottom: 1px solid var(--border-color-primary); padding: 6px 8px; vertical-align: top;
}
.cf-table .cf-num-col { text-align: right; }
.cf-dim { color: var(--body-text-color-subdued); font-size: 0.8rem; }
.cf-docid { font-family: var(--font-mono); font-size: 0.74rem; }
.cf-nowrap { white-space: nowrap; }
.cf-title-cell { min-width: 240px; }

/* phones: the side panel stacks under the chat; keep things compact */
@media (max-width: 700px) {
  #cf-header h1 { font-size: 1.2rem; }
  #cf-sources { max-height: none; }
  .cf-doc { max-height: 300px; }
  .cf-table th:nth-child(3), .cf-table td:nth-child(3),
  .cf-table th:nth-child(6), .cf-table td:nth-child(6) { display: none; }
  .cf-title-cell { min-width: 0; }
}
"""
