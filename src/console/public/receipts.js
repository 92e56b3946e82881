// Receipts and chain health: newest receipts first; count, head, verify results.
import { clock, el, short } from './format.js';

const $ = (id) => document.getElementById(id);
const KEEP = 200;

export class ReceiptsView {
  constructor() {
    this.body = $('receipts').tBodies[0];
    this.lastSeq = -1;
    $('verify-now').addEventListener('click', () => this.verify());
  }

  add({ reset, rows }) {
    if (reset) {
      this.body.replaceChildren();
      this.lastSeq = -1;
    }
    for (const r of rows) {
      if (r.seq <= this.lastSeq) continue;
      this.lastSeq = r.seq;
      this.body.prepend(row(r, !reset));
    }
    while (this.body.rows.length > KEEP) this.body.deleteRow(-1);
  }

  chain(c) {
    $('receipts-unavailable').hidden = c.available;
    $('verify-now').disabled = !c.available || c.verifying;
    if (!c.available) return;
    $('chain-count').textContent = String(c.count);
    const head = $('chain-head');
    head.textContent = c.headSeq >= 0 ? `seq ${c.headSeq}, ${short(c.head, 16)}` : 'empty';
    head.title = c.head;
    const v = c.lastVerify;
    const verify = $('chain-verify');
    if (v) {
      verify.textContent = v.ok ? `intact: ${v.count} receipts at ${clock(v.at)} (${v.ms} ms)` : `BROKEN at seq ${v.firstBad}: ${v.reason} (checked ${clock(v.at)})`;
      verify.className = v.ok ? 'ok' : 'bad';
    } else verify.textContent = c.verifying ? 'running…' : 'not yet';
    $('chain-running').textContent = c.problem ? `problem at ${c.problem}` : c.checkedTo >= 0 ? `every new receipt checked, up to seq ${c.checkedTo}` : 'waiting for receipts';
    $('chain-running').className = c.problem ? 'bad' : '';
    $('chain-lag').textContent = c.replicationLag === null ? 'n/a (no replication yet)' : `${c.replicationLag} receipts`;
  }

  async verify() {
    const status = $('chain-status');
    $('verify-now').disabled = true;
    status.textContent = 'Verifying every receipt…';
    status.className = 'status';
    try {
      const c = await (await fetch('/api/chain/verify', { method: 'POST' })).json();
      this.chain(c);
      const v = c.lastVerify;
      status.textContent = v?.ok ? `Chain intact: ${v.count} receipts verified in ${v.ms} ms.` : `Chain BROKEN at seq ${v?.firstBad}: ${v?.reason}`;
      status.className = v?.ok ? 'status ok' : 'status bad';
    } catch (err) {
      status.textContent = `Could not verify: ${err.message}`;
      status.className = 'status bad';
    } finally {
      $('verify-now').disabled = false;
    }
  }
}

function row(r, fresh) {
  const outcomeClass = r.outcome.includes('BREAK-GLASS') ? 'outcome-breakglass' : r.outcome.startsWith('refused') ? 'outcome-refused' : r.outcome === 'committed' ? 'outcome-committed' : '';
  const tr = el(
    'tr',
    { class: fresh ? 'fresh' : undefined, 'data-seq': r.seq, 'data-kind': r.kind },
    el('td', { text: String(r.seq) }),
    el('td', { text: clock(r.ts), title: new Date(r.ts).toISOString() }),
    el('td', { text: r.kind }),
    el('td', { text: r.actor }),
    el('td', { text: r.target }),
    el('td', { text: r.value }),
    el('td', { class: outcomeClass, text: r.outcome, title: r.reason || undefined }),
    el('td', {}, r.grant ? el('code', { title: `break-glass grant ${r.grant}`, text: `grant ${short(r.grant, 10)}` }) : r.jti ? el('code', { title: r.jti, text: short(r.jti, 10) }) : ''),
    el('td', {}, r.kid ? el('code', { title: `signed by key ${r.kid}`, text: short(r.kid, 10) }) : ''),
  );
  return tr;
}
