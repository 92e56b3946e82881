// Receipts and chain health: newest receipts first; count, head, verify results.
// Every receipt shown is also verified here, in the browser (./verify.js): hash,
// signature by the algorithm of the key it names (kid), that key's window, and
// the link to the receipt before it when that one is shown too.
import { clock, el, short } from './format.js';
import { loadKeyRing } from './verify.js';

const $ = (id) => document.getElementById(id);
const KEEP = 200;

export class ReceiptsView {
  constructor() {
    this.body = $('receipts').tBodies[0];
    this.lastSeq = -1;
    /** seq -> stored hash of the receipts shown (for the link check). */
    this.hashes = new Map();
    this.ring = this.loadKeys();
    $('verify-now').addEventListener('click', () => this.verify());
  }

  loadKeys() {
    return loadKeyRing().catch((err) => ({ error: err.message }));
  }

  /** The key ring; fetched again once when a receipt names a kid it does not have (a key rotated while the page is open). */
  async ringFor(kid) {
    let ring = await this.ring;
    if (kid !== undefined && (ring.error || !ring.has(kid))) {
      this.ring = this.loadKeys();
      ring = await this.ring;
    }
    return ring;
  }

  async check(tr, r) {
    const cell = tr.querySelector('td.browser-check');
    const keyCell = tr.querySelector('td.signed-by');
    const stored = r.receipt;
    if (!stored) {
      cell.textContent = 'not checked (no receipt data)';
      return;
    }
    const ring = await this.ringFor(stored.kid);
    if (ring.error) {
      cell.textContent = `not checked: ${ring.error}`;
      cell.className = 'browser-check bad';
      tr.dataset.verify = 'error';
      return;
    }
    let { ok, key, reason } = ring.check(stored);
    const before = this.hashes.get(stored.seq - 1);
    if (ok && before !== undefined && stored.prev !== before) ({ ok, reason } = { ok: false, reason: `broken link: prev is not the hash of seq ${stored.seq - 1}` });
    if (key) {
      keyCell.replaceChildren(el('code', { text: short(key.kid, 10) }), ' ', el('span', { class: `alg alg-${key.alg}`, text: key.alg }));
      keyCell.title = `signed by ${key.name}'s ${key.role} key ${key.kid} (${key.alg === 'ES256' ? 'ES256: ECDSA P-256' : 'EdDSA: Ed25519'})`;
      tr.dataset.alg = key.alg;
    }
    cell.textContent = ok ? '✓ verified' : `✗ ${reason.split(/[:(]/)[0].trim()}`;
    cell.title = ok ? `hash recomputed and ${key.alg} signature verified in this browser under key ${key.kid}` : reason;
    cell.className = `browser-check ${ok ? 'ok' : 'bad'}`;
    tr.dataset.verify = ok ? 'ok' : 'failed';
  }

  add({ reset, rows }) {
    if (reset) {
      this.body.replaceChildren();
      this.lastSeq = -1;
      this.hashes.clear();
    }
    for (const r of rows) {
      if (r.seq <= this.lastSeq) continue;
      this.lastSeq = r.seq;
      const tr = row(r, !reset);
      this.body.prepend(tr);
      void this.check(tr, r);
      if (r.receipt) this.hashes.set(r.seq, r.receipt.hash);
    }
    while (this.body.rows.length > KEEP) this.body.deleteRow(-1);
    for (const seq of this.hashes.keys()) if (seq < this.lastSeq - KEEP) this.hashes.delete(seq);
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
    el('td', { class: 'signed-by', title: r.kid ? `signed by key ${r.kid}` : 'no kid: the gateway key by name' }, r.kid ? el('code', { text: short(r.kid, 10) }) : ''),
    el('td', { class: 'browser-check', text: 'checking…' }),
  );
  return tr;
}
