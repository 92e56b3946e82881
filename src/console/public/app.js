// The console page: tabs, one live stream (SSE), and the three views.
import { ApprovalsView } from './approvals.js';
import { ReceiptsView } from './receipts.js';
import { TrendView } from './trend.js';

const $ = (id) => document.getElementById(id);

// --- tabs (WAI-ARIA tabs pattern: arrows, Home / End; the URL hash keeps the view) ---
const tabs = [...document.querySelectorAll('[role="tab"]')];
function select(tab, focus = true) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  const name = tab.id.replace('tab-', '');
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  document.dispatchEvent(new CustomEvent('view-shown', { detail: name }));
}
for (const t of tabs) {
  t.addEventListener('click', () => select(t));
  t.addEventListener('keydown', (e) => {
    const shown = tabs.filter((x) => !x.hidden);
    const at = shown.indexOf(t);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: shown.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    select(shown[(to + shown.length) % shown.length]);
  });
}
const fromHash = () => tabs.find((t) => !t.hidden && t.id === `tab-${location.hash.slice(1)}`);
if (fromHash()) select(fromHash(), false);
window.addEventListener('hashchange', () => fromHash() && select(fromHash(), false));

// A governance node serves approvals only, a gateway receipts only: hide the views this process lacks.
fetch('/api/info')
  .then((r) => r.json())
  .then((info) => {
    document.title = `taogate console (${info.role})`;
    for (const t of tabs) t.hidden = info.views[t.id.replace('tab-', '')] === false;
    const current = tabs.find((t) => t.getAttribute('aria-selected') === 'true');
    if (current?.hidden) select(tabs.find((t) => !t.hidden) ?? current, false);
  })
  .catch(() => {});

// --- views ---
const approvals = new ApprovalsView();
const receipts = new ReceiptsView();
const trend = new TrendView();

// --- the live stream ---
const conn = $('conn');
function connect() {
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => {
    conn.textContent = 'Live';
    conn.className = 'conn ok';
  });
  es.addEventListener('error', () => {
    conn.textContent = es.readyState === EventSource.CLOSED ? 'Disconnected (reload the page)' : 'Connection lost, reconnecting…';
    conn.className = 'conn bad';
  });
  const on = (name, fn) => es.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  on('approvals', (s) => approvals.update(s));
  on('receipts', (r) => {
    receipts.add(r);
    trend.addReceipts(r);
  });
  on('chain', (c) => receipts.chain(c));
  on('trend', (t) => trend.update(t));
}
connect();
document.body.dataset.ready = 'true';
