"""The page's CSS and the two small scripts, kept as strings so the package needs no data files.

Colours use Gradio's theme variables where they exist, so light and dark mode both read well.
"""

from __future__ import annotations

# Runs once in a hidden gr.HTML ("bridge"). One capturing listener turns a click on a citation
# marker in the chat ([n] link) or on a source card into this component's 'click' event,
# carrying the ref ("turn-c-n" / "turn-r-i"); the other page actions (a corpus document, the
# way back to the latest sources, a suggested follow-up, "Sources (n) ↓") are handled here too.
# Markers also get their hover card: one floating #cf-popover filled from the marker's hidden
# card in the same message (built and sanitised on the server). On a touch screen the first tap
# on a marker shows the card (with an "Open" button), a second tap opens the viewer.
# The latest mount's trigger wins, so a re-render is harmless.
BRIDGE_JS = r"""
window.__cfOpenSource = (ref) => trigger('click', {ref: ref});
if (!window.__cfListening) {
  window.__cfListening = true;
  // A tap is told from a mouse click by its pointer: media queries lie under emulation.
  let pointer = 'mouse';
  let pressedAt = 0;  // focus right after a press came from the pointer, not the keyboard
  document.addEventListener('pointerdown', (e) => {
    pointer = e.pointerType;
    pressedAt = Date.now();
  }, true);
  const touch = {get matches() { return pointer === 'touch'; }};
  const pop = document.createElement('div');
  pop.id = 'cf-popover';
  pop.setAttribute('role', 'tooltip');
  pop.hidden = true;
  document.body.appendChild(pop);
  let shownFor = null;
  let hideTimer = null;
  const refOf = (a) => a.getAttribute('href').slice(8);
  const place = (a) => {
    const r = a.getBoundingClientRect();
    const width = Math.min(360, window.innerWidth - 16);
    pop.style.width = width + 'px';
    const left = Math.min(Math.max(8, r.left + r.width / 2 - width / 2),
                          window.innerWidth - width - 8);
    pop.style.left = left + 'px';
    let top = r.top - pop.offsetHeight - 8;
    if (top < 8) top = r.bottom + 8;
    pop.style.top = top + 'px';
  };
  const show = (a) => {
    const ref = refOf(a).split('-');  // turn-c-n-k: the card is cf-pop-turn-k
    const card = document.getElementById(`cf-pop-${ref[0]}-${ref[3]}`);
    if (!card) return;
    clearTimeout(hideTimer);
    pop.innerHTML = card.innerHTML;
    if (touch.matches) {
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'cf-pop-open';
      open.textContent = 'Open in source viewer';
      open.setAttribute('data-cf-ref', refOf(a));
      pop.appendChild(open);
    }
    pop.hidden = false;
    if (shownFor && shownFor !== a) shownFor.removeAttribute('aria-describedby');
    shownFor = a;
    a.setAttribute('aria-describedby', 'cf-popover');
    place(a);
  };
  const hide = () => {
    pop.hidden = true;
    if (shownFor) shownFor.removeAttribute('aria-describedby');
    shownFor = null;
  };
  const hideSoon = () => { clearTimeout(hideTimer); hideTimer = setTimeout(hide, 200); };
  const markerOf = (t) => (t instanceof Element) ? t.closest('a.cf-cite') : null;
  document.addEventListener('mouseover', (e) => {
    if (touch.matches) return;
    const a = markerOf(e.target);
    if (a) show(a);
    else if (shownFor && !(e.target instanceof Element && e.target.closest('#cf-popover'))) {
      hideSoon();
    }
  });
  document.addEventListener('focusin', (e) => {
    if (Date.now() - pressedAt < 800) return;
    const a = markerOf(e.target);
    if (a) show(a);
    else if (!(e.target instanceof Element && e.target.closest('#cf-popover'))) hide();
  });
  document.addEventListener('scroll', () => { if (shownFor) hide(); }, true);
  const action = (data) => window.__cfAction && window.__cfAction(data);
  const ask = (question) => {
    const box = document.querySelector('#cf-question textarea');
    if (!box) return;
    box.value = question;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    const send = document.querySelector('#cf-question button.submit-button');
    setTimeout(() => send ? send.click() : box.dispatchEvent(
      new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})), 30);
  };
  // What a click means: [kind, value] or null for a normal click.
  const meaning = (e) => {
    for (const el of e.composedPath()) {
      if (!(el instanceof Element)) continue;
      if (el.matches('a[target="_blank"]')) return null;  // links out open the page
      if (el.matches('a.cf-cite')) return ['marker', el];
      if (el.matches('a.cf-jump')) return ['jump', el.getAttribute('href').slice(1)];
      if (el.matches('[data-cf-ask]')) return ['ask', el.getAttribute('data-cf-ask')];
      if (el.matches('button.cf-example')) return ['ask', el.textContent.trim()];
      if (el.matches('[data-cf-doc]')) return ['doc', el.getAttribute('data-cf-doc')];
      if (el.matches('[data-cf-turn]')) return ['turn', el.getAttribute('data-cf-turn')];
      if (el.matches('[data-cf-ref]')) return ['ref', el.getAttribute('data-cf-ref')];
      if (el.matches('a[href^="#cf-ref-"]')) return ['ref', el.getAttribute('href').slice(8)];
    }
    return null;
  };
  const onClick = (e) => {
    const m = meaning(e);
    if (!m) {
      if (shownFor && !(e.target instanceof Element && e.target.closest('#cf-popover'))) hide();
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    const [kind, value] = m;
    if (kind === 'marker') {
      if (touch.matches && shownFor !== value) { show(value); return; }
      hide();
      window.__cfOpenSource(refOf(value));
    } else if (kind === 'ref') {
      hide();
      window.__cfOpenSource(value);
    } else if (kind === 'jump') {
      document.getElementById(value)?.scrollIntoView({block: 'start', behavior: 'instant'});
    } else if (kind === 'ask') {
      ask(value);
    } else if (kind === 'doc') {
      action({action: 'doc', doc: value});
    } else if (kind === 'turn') {
      action({action: 'turn', turn: Number(value)});
    }
  };
  document.addEventListener('click', onClick, true);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && shownFor) { hide(); return; }
    if ((e.key === 'Enter' || e.key === ' ') && e.target.matches?.('article[data-cf-ref]')) {
      onClick(e);
    }
  }, true);
}
"""

# The second hidden gr.HTML: page actions that are not a source reference (see BRIDGE_JS).
ACTIONS_JS = r"""
window.__cfAction = (data) => trigger('click', data);
"""

# The viewer scrolls its document so the highlighted span sits near the top third, makes sure
# the viewer itself is on screen (on a phone it is below the chat) and flashes the highlight,
# so reopening the passage already shown visibly goes there again.
VIEWER_JS = r"""
const reveal = () => requestAnimationFrame(() => {
  const doc = element.querySelector('.cf-doc');
  if (!doc) return;
  const box = element.closest('.cf-viewer-box') || element;
  const mark = element.querySelector('#cf-hl');
  if (mark) {
    const offset = mark.getBoundingClientRect().top - doc.getBoundingClientRect().top;
    doc.scrollTop = Math.max(0, doc.scrollTop + offset - doc.clientHeight / 4);
    for (const m of element.querySelectorAll('mark.cf-hl')) {
      m.classList.remove('cf-flash');
      void m.offsetWidth;  // restart the animation
      m.classList.add('cf-flash');
    }
  } else {
    doc.scrollTop = 0;
  }
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
/* text colours that pass WCAG AA contrast (Gradio's accent and subdued greys do not) */
:root { --cf-link: #1d4ed8; --cf-subdued: #4b5563; }
.dark { --cf-link: #93c5fd; --cf-subdued: #cbd5e1; }
footer .show-api, footer .show-api * { color: var(--cf-subdued) !important; }
#cf-tabs button.selected { color: var(--cf-link) !important; }
.dark #cf-chat .cf-flag { color: #fbbf24; }
@media (max-width: 700px) {
  .gradio-container .main.app { padding-left: 10px !important; padding-right: 10px !important; }
}
.dark #cf-chat .bot:has(.cf-noevidence) { background: #3a2f17 !important; }
.dark #cf-chat .bot:has(.cf-error) { background: #3a1d1d !important; }
.dark .cf-card mark, .dark .cf-viewer mark { background: #8a6d00; color: #fff; }
.dark .cf-related-tag, .dark .cf-viewer-related .cf-viewer-ref { color: #f0b94d; }
/* the marker's hover card floats over the page (it is appended to <body>) */
#cf-popover {
  position: fixed; z-index: 1000; box-sizing: border-box; max-width: calc(100vw - 16px);
  background: #fff; color: #1f2937; border: 1px solid #cbd5e1; border-radius: 10px;
  box-shadow: 0 6px 24px rgba(15, 23, 42, .18); padding: 10px 12px; font-size: 0.86rem;
  line-height: 1.4; pointer-events: auto;
}
#cf-popover[hidden] { display: none; }
#cf-popover .cf-pop-top {
  display: flex; flex-wrap: wrap; gap: 2px 8px; align-items: center; margin-bottom: 4px;
}
#cf-popover .cf-pop-date { color: #475569; font-size: 0.8rem; }
#cf-popover .cf-pop-title { display: block; font-weight: 650; margin-bottom: 4px; }
#cf-popover .cf-pop-text { display: block; }
#cf-popover .cf-pop-open {
  margin-top: 8px; border: 1px solid #94a3b8; border-radius: 6px; background: #f8fafc;
  color: #1e3a8a; padding: 4px 10px; font-size: 0.84rem; cursor: pointer;
}
#cf-popover .cf-badge {
  display: inline-block; font-size: 0.76rem; font-weight: 600; border-radius: 999px;
  padding: 1px 8px; white-space: nowrap; background: #f1f1f1; color: #374151;
}
#cf-popover .cf-kind-court { background: #ede4ff; color: #5b21b6; }
#cf-popover .cf-kind-statute { background: #dbeafe; color: #1e40af; }
#cf-popover .cf-kind-bill { background: #ccfbf1; color: #115e59; }
#cf-popover .cf-kind-gov { background: #e2e8f0; color: #1e293b; }
#cf-popover .cf-kind-advocacy { background: #ffedd5; color: #9a3412; }
#cf-popover .cf-kind-news { background: #dcfce7; color: #166534; }
.dark #cf-popover { background: #1f2937; color: #f1f5f9; border-color: #475569; }
.dark #cf-popover .cf-pop-date { color: #cbd5e1; }
</style>"""

CSS = r"""
#cf-header { margin: 0; }
#cf-header h1 { font-size: 1.35rem; margin: 0; line-height: 1.2; }
#cf-header p { margin: 1px 0 0; color: var(--cf-subdued); font-size: 0.9rem; }
#cf-bridge, #cf-actions { display: none !important; }
/* read by screen readers, not shown; inline so a marker never splits across two lines */
.cf-sr {
  display: inline-block; width: 1px; height: 1px; margin: 0 -1px 0 0; padding: 0;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap; vertical-align: baseline;
}

/* chat */
/* Gradio dims panel-layout messages to 0.8 opacity: links then fail the contrast check */
#cf-chat .md.chatbot { opacity: 1 !important; }
#cf-chat .cf-pops { display: none; }
#cf-chat .cf-answer p { margin: 0 0 6px; }
#cf-chat .cf-answer p:last-child { margin-bottom: 0; }
#cf-chat .cf-note { font-style: italic; color: var(--cf-subdued); font-size: 0.9em; }
#cf-chat .cf-jump-row { display: none; }
/* a generated answer: its draft while it is checked, and sentences its sources do not back */
#cf-chat .cf-draft-note { font-style: italic; color: var(--cf-subdued); font-size: 0.9em; }
#cf-chat .cf-unsupported { text-decoration: underline wavy #b45309; text-underline-offset: 3px; }
#cf-chat .cf-flag { color: #92400e; font-style: italic; font-size: 0.9em; }
#cf-chat .cf-related-list { margin: 0 0 6px; padding-left: 1.2em; }
#cf-chat .cf-cite { white-space: nowrap; }
#cf-chat .cf-cite:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 1px; }
#cf-chat .cf-cite, #cf-chat .cf-related {
  text-decoration: none; font-weight: 600; cursor: pointer; font-size: inherit;
  color: var(--cf-link); padding: 0 1px; border-radius: 3px;
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
.cf-panel-title { font-weight: 700; font-size: 1.02rem !important; margin: 0 0 4px !important; }
.cf-earlier {
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px;
  margin: 0 0 10px; background: var(--background-fill-secondary);
}
.cf-earlier .cf-panel-note { margin: 0 0 4px; }
.cf-back {
  border: 1px solid var(--border-color-primary); border-radius: 6px; background: none;
  color: var(--body-text-color); padding: 2px 8px; cursor: pointer; font-size: 0.84rem;
}

/* the empty chat's example questions */
#cf-chat .cf-start { text-align: left; max-width: 560px; margin: 0 auto; }
#cf-chat .cf-examples { list-style: none; padding: 0; margin: 8px 0 0; display: grid; gap: 6px; }
#cf-chat .cf-examples li { margin: 0; }
#cf-chat .cf-example {
  width: 100%; text-align: left; border: 1px solid var(--border-color-primary);
  border-radius: 8px; padding: 8px 12px; background: var(--background-fill-primary);
  color: var(--body-text-color); cursor: pointer; font-size: 0.92rem;
}
#cf-chat .cf-example:hover, #cf-chat .cf-example:focus-visible {
  border-color: var(--color-accent);
}

/* suggested follow-ups under the chat */
.cf-followups { margin: 2px 0 0; }
.cf-followups-title { font-size: 0.85rem; font-weight: 700; margin: 0 0 4px; }
.cf-followups ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 6px; }
.cf-followups li { margin: 0; }
.cf-suggest {
  border: 1px solid var(--border-color-primary); border-radius: 999px; padding: 4px 12px;
  background: var(--background-fill-primary); color: var(--body-text-color); cursor: pointer;
  font-size: 0.86rem; text-align: left;
}
.cf-suggest:hover, .cf-suggest:focus-visible { border-color: var(--color-accent); }

/* rendered document Markdown: cards and the viewer */
.cf-md h1, .cf-md h2, .cf-md h3, .cf-md h4, .cf-md h5, .cf-md h6,
.cf-excerpt h1, .cf-excerpt h2, .cf-excerpt h3, .cf-excerpt h4, .cf-excerpt h5, .cf-excerpt h6 {
  font-size: 0.95rem !important; font-weight: 700; margin: 10px 0 4px !important;
  line-height: 1.3;
}
.cf-md h1, .cf-md h2 { font-size: 1.02rem !important; }
.cf-md p, .cf-excerpt p { margin: 0 0 8px !important; }
.cf-md ul, .cf-md ol, .cf-excerpt ul, .cf-excerpt ol { margin: 0 0 8px; padding-left: 1.4em; }
.cf-md-table { overflow-x: auto; max-width: 100%; margin: 4px 0 10px; }
.cf-md-table table {
  border-collapse: collapse; font-size: 0.84rem; border: none !important; margin: 0;
  width: auto;
}
.cf-md th, .cf-md td, .cf-excerpt th, .cf-excerpt td {
  border: 1px solid var(--border-color-primary); padding: 3px 6px; vertical-align: top;
  text-align: left;
}
.cf-md thead:not(:has(th:not(:empty))), .cf-excerpt thead:not(:has(th:not(:empty))) {
  display: none;
}
.cf-md .cf-plain, .cf-excerpt .cf-plain { white-space: pre-wrap; }
.cf-gap { margin: 0 !important; color: var(--cf-subdued); line-height: 1; }
.cf-panel-note { margin: 0 0 10px; color: var(--cf-subdued); font-size: 0.88rem; }
.cf-count {
  display: inline-block; min-width: 1.4em; text-align: center; font-size: 0.8rem;
  background: var(--background-fill-secondary); border-radius: 999px; padding: 0 6px;
}
#cf-sources { max-height: 640px; overflow-y: auto; padding-right: 4px; }
.cf-empty p:not(.cf-panel-title) { color: var(--cf-subdued); font-size: 0.92rem; }
.cf-chip {
  font-weight: 600; color: var(--cf-link); background: var(--color-accent-soft);
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
  font-weight: 700; color: var(--cf-link); background: var(--color-accent-soft);
  border: none; border-radius: 5px; padding: 1px 7px; cursor: pointer; font-size: 0.9rem;
}
.cf-related-tag { font-size: 0.8rem; color: #8a5a00; font-weight: 600; }
.cf-card-title {
  margin: 2px 0 !important; font-size: 0.98rem !important; line-height: 1.3; font-weight: 650;
}
.cf-meta { font-size: 0.82rem; color: var(--cf-subdued); margin-bottom: 6px; }
.cf-also { font-size: 0.8rem; color: var(--cf-subdued); margin: 4px 0; }
.cf-excerpt {
  margin: 0 0 8px; padding: 6px 10px; border-left: 3px solid var(--border-color-primary);
  font-size: 0.88rem; line-height: 1.45; color: var(--body-text-color); background: none;
  overflow-wrap: anywhere;
}
.cf-excerpt > :last-child { margin-bottom: 0 !important; }
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
.cf-open:hover { border-color: var(--color-accent); color: var(--cf-link); }
.cf-ext { color: var(--cf-link); }

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
.cf-viewer-box {
  border: 2px solid var(--color-accent); border-radius: 12px; padding: 10px 12px 6px;
  background: var(--background-fill-primary);
}
.cf-viewer-bar { align-items: center; }
.cf-viewer-bar .cf-panel-title { margin: 0 !important; }
.cf-viewer-head { display: flex; gap: 4px 8px; align-items: center; flex-wrap: wrap; }
.cf-viewer-ref { font-size: 0.85rem; font-weight: 600; color: var(--cf-subdued); }
.cf-viewer-related .cf-viewer-ref { color: #8a5a00; }
.cf-viewer-title { margin: 6px 0 4px; font-size: 1.05rem; line-height: 1.3; }
.cf-viewer-meta {
  display: grid; grid-template-columns: max-content 1fr; gap: 1px 10px; margin: 0 0 8px;
  font-size: 0.82rem;
}
.cf-viewer-meta dt { color: var(--cf-subdued); margin: 0; }
.cf-viewer-meta dd { margin: 0; overflow-wrap: anywhere; }
.cf-doc {
  overflow-wrap: anywhere; max-height: 330px; overflow-y: auto;
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  font-size: 0.88rem; line-height: 1.5; background: var(--background-fill-secondary);
  position: relative;
}
.cf-doc .cf-in-passage {
  background: rgba(255, 229, 138, 0.22); box-shadow: -6px 0 0 rgba(224, 177, 0, 0.55);
}
.cf-viewer mark.cf-hl { background: #ffd84d; }
@keyframes cf-flash { from { background: #ff9f1c; } }
.cf-viewer mark.cf-flash { animation: cf-flash 0.9s ease-out; }
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
.cf-dim { color: var(--cf-subdued); font-size: 0.8rem; }
.cf-docid { font-family: var(--font-mono); font-size: 0.74rem; }
.cf-nowrap { white-space: nowrap; }
.cf-title-cell { min-width: 240px; }
.cf-read {
  background: none; border: none; padding: 0; cursor: pointer; text-align: left;
  color: var(--cf-link); font: inherit; font-weight: 600; text-decoration: underline;
  text-underline-offset: 2px;
}
.cf-row-links { font-size: 0.8rem; }

/* phones: the side panel stacks under the chat; keep things compact */
@media (max-width: 700px) {
  #cf-header h1 { font-size: 1.2rem; }
  /* the chat grows with its messages: the page scrolls, not a box inside it */
  #cf-chat { height: auto !important; max-height: none !important; min-height: 200px; }
  #cf-chat .cf-jump-row { display: block; margin-top: 6px; }
  #cf-chat .cf-jump { font-weight: 600; color: var(--cf-link); }
  #cf-sources { max-height: none; }
  .cf-doc { max-height: 300px; }
  .cf-table th:nth-child(3), .cf-table td:nth-child(3),
  .cf-table th:nth-child(6), .cf-table td:nth-child(6) { display: none; }
  .cf-title-cell { min-width: 0; }
}
"""
