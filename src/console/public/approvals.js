// Approvals: pending requests, live; sign an approve / reject in the page.
import { loadKey, proposalDigest } from './signing.js';
import { age, clock, el, withUnits } from './format.js';

const $ = (id) => document.getElementById(id);
const MEANINGS = [
  ['approved', 'approved: I authorize this change'],
  ['reviewed', 'reviewed: I checked it and agree'],
  ['responsibility', 'responsibility: I take responsibility for it'],
];
const MAX_REASON = 256;

export class ApprovalsView {
  constructor() {
    this.key = undefined;
    this.approvers = new Map();
    this.cards = new Map();
    this.skew = 0;
    this.list = $('requests');
    $('key-file').addEventListener('change', (e) => this.loadKeyFile(e.target));
    $('key-forget').addEventListener('click', () => this.forgetKey());
    setInterval(() => this.tickAges(), 1000);
    void this.loadApprovers();
  }

  async loadApprovers() {
    try {
      const r = await fetch('/api/approvers');
      const { approvers } = await r.json();
      this.approvers = new Map(approvers.map((a) => [a.name, a.role]));
    } catch {
      // roles then come from the request's rule
    }
  }

  async loadKeyFile(input) {
    const status = $('key-status');
    const file = input.files && input.files[0];
    this.forgetKey(false);
    if (!file) return;
    try {
      this.key = loadKey(await file.text());
      const role = this.approvers.get(this.key.name);
      const who = role ? `${this.key.name} (approver, ${role})` : `${this.key.name} (${this.key.kind ? `role "${this.key.kind}"` : 'no role'}: not an approver in this profile)`;
      status.textContent = `Loaded the key of ${who}, key id ${this.key.kid}. It stays in this tab.`;
      status.className = role ? 'status ok' : 'status bad';
      $('key-forget').disabled = false;
    } catch (err) {
      status.textContent = `That file is not usable: ${err.message}`;
      status.className = 'status bad';
    } finally {
      input.value = ''; // the page keeps the key, not the file input
    }
    this.refreshButtons();
  }

  forgetKey(announce = true) {
    this.key?.forget();
    this.key = undefined;
    $('key-forget').disabled = true;
    if (announce) {
      $('key-status').textContent = 'Key forgotten. No key loaded.';
      $('key-status').className = 'status';
    }
    this.refreshButtons();
  }

  update(snapshot) {
    this.skew = snapshot.now - Date.now();
    $('approvals-unavailable').hidden = snapshot.available;
    const seen = new Set();
    for (const r of snapshot.requests) {
      seen.add(r.id);
      const card = this.cards.get(r.id);
      if (card) this.refreshCard(card, r);
      else this.addCard(r);
    }
    for (const [id, card] of this.cards) {
      if (seen.has(id)) continue;
      card.node.remove();
      this.cards.delete(id);
      this.log(`Request ${id} (${card.request.target} = ${card.request.value}) is no longer waiting: ${card.request.status === 'approved' ? 'the requester used it' : 'closed or expired'}.`);
    }
    const pending = snapshot.requests.filter((r) => r.status === 'pending').length;
    $('pending-count').textContent = String(pending);
    $('approvals-empty').hidden = snapshot.requests.length > 0 || !snapshot.available;
  }

  addCard(r) {
    const id = r.id;
    const reasonId = `reason-${id}`;
    const meaningId = `meaning-${id}`;
    const countId = `count-${id}`;
    const fields = {
      status: el('dd'),
      have: el('dd'),
      age: el('dd'),
    };
    const reason = el('textarea', { id: reasonId, name: 'reason', maxlength: MAX_REASON, required: true, 'aria-describedby': countId });
    const count = el('span', { id: countId, class: 'count', text: `0 / ${MAX_REASON} characters` });
    reason.addEventListener('input', () => {
      count.textContent = `${reason.value.length} / ${MAX_REASON} characters`;
    });
    const meaning = el('select', { id: meaningId, name: 'meaning', required: true }, ...MEANINGS.map(([v, label]) => el('option', { value: v, text: label })));
    const result = el('p', { class: 'result', role: 'status', 'aria-live': 'polite' });
    const approve = el('button', { type: 'submit', class: 'primary', value: 'approve', text: 'Approve' });
    const reject = el('button', { type: 'submit', class: 'danger', value: 'reject', text: 'Reject' });
    const form = el(
      'form',
      { class: 'sign', novalidate: true },
      el(
        'fieldset',
        {},
        el('legend', { text: 'Sign your decision' }),
        el('label', { for: reasonId, text: 'Reason (required, up to 256 characters)' }),
        reason,
        count,
        el('label', { for: meaningId, text: 'Meaning of your signature' }),
        meaning,
        el('div', { class: 'buttons' }, approve, reject),
      ),
      result,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.sign(r.id, e.submitter?.value === 'reject' ? 'reject' : 'approve', reason, meaning, result, [approve, reject]);
    });
    const current = r.current !== undefined ? `${withUnits(r.current, r.units)}${r.currentFrom === 'plc' ? ' (PLC now)' : ''}` : 'unknown';
    const limits = r.min !== undefined || r.max !== undefined ? `${r.min ?? '–'} … ${withUnits(r.max ?? '–', r.units)}` : 'none';
    const node = el(
      'li',
      { class: 'request', 'data-request-id': id, 'data-status': r.status, 'aria-labelledby': `h-${id}` },
      el(
        'h3',
        { id: `h-${id}` },
        `${r.target}: `,
        el('span', { class: 'change' }, el('span', { text: current }), el('span', { class: 'arrow', 'aria-label': 'to', text: '→' }), el('strong', { text: withUnits(r.value, r.units) })),
      ),
      el(
        'dl',
        { class: 'facts' },
        fact('Requested by', `${r.actor} (${r.actorKind}, ${r.role})`),
        fact('Operation', r.op === 'call' ? `call with ${JSON.stringify(r.args ?? [])}` : 'write'),
        fact('Limits', limits),
        fact('Their reason', r.reason || '(none given)'),
        factNode('Waiting', fields.age),
        factNode('Approvals', fields.have),
        factNode('Status', fields.status),
        fact('Request', id),
      ),
      form,
    );
    const card = { node, request: r, fields, form, buttons: [approve, reject], result };
    this.cards.set(id, card);
    this.list.append(node);
    this.refreshCard(card, r);
    this.log(`New request ${id}: ${r.actor} wants ${r.target} = ${withUnits(r.value, r.units)}.`);
  }

  refreshCard(card, r) {
    const was = card.request.status;
    card.request = r;
    card.node.dataset.status = r.status;
    card.fields.status.textContent = r.status === 'approved' ? 'approved: waiting for the requester to retry the write' : r.status === 'rejected' ? `rejected by ${r.rejection?.approver ?? '?'}` : 'pending';
    const by = r.approvals.map((a) => `${a.approver} (${a.meaning})`).join(', ');
    card.fields.have.textContent = `${r.have} of ${r.need} (${r.roles.join(' or ')})${by ? `: ${by}` : ''}`;
    this.tickAge(card);
    if (was !== r.status && r.status !== 'pending') this.log(`Request ${r.id} is now ${r.status}.`);
    this.refreshButtons();
  }

  tickAges() {
    for (const card of this.cards.values()) this.tickAge(card);
  }

  tickAge(card) {
    const seconds = Math.max(0, Math.round((Date.now() + this.skew - card.request.createdAt) / 1000));
    card.fields.age.textContent = age(seconds);
  }

  refreshButtons() {
    for (const card of this.cards.values()) {
      const open = card.request.status === 'pending';
      for (const b of card.buttons) {
        b.disabled = !open || !this.key;
        b.title = !open ? 'this request is no longer pending' : !this.key ? 'load your key file first' : '';
      }
    }
  }

  async sign(id, decision, reasonInput, meaningInput, result, buttons) {
    const card = this.cards.get(id);
    if (!card) return;
    const r = card.request;
    const reason = reasonInput.value.trim();
    const say = (text, ok) => {
      result.textContent = text;
      result.className = `result ${ok ? 'ok' : 'bad'}`;
    };
    if (!this.key) return say('Load your key file first.', false);
    if (reason.length === 0 || reason.length > MAX_REASON) {
      reasonInput.setAttribute('aria-invalid', 'true');
      reasonInput.focus();
      return say(`A reason of 1 to ${MAX_REASON} characters is required.`, false);
    }
    reasonInput.removeAttribute('aria-invalid');
    // Sign what is shown: recompute the digest from the displayed proposal, refuse if governance's differs.
    const digest = proposalDigest({ aud: r.aud, sub: r.actor, op: r.op, target: r.target, value: r.value, args: r.args });
    if (digest !== r.digest) return say('Not signed: the digest sent by governance does not match the proposal shown.', false);
    const statement = {
      typ: 'taogate.approval.v1',
      approver: this.key.name,
      role: this.approvers.get(this.key.name) ?? r.roles[0] ?? 'supervisor',
      request: id,
      digest,
      decision,
      meaning: meaningInput.value,
      reason,
      ts: Math.floor((Date.now() + this.skew) / 1000),
    };
    for (const b of buttons) b.disabled = true;
    say('Signing and sending…', true);
    let answer;
    try {
      const approval = this.key.signApproval(statement);
      const res = await fetch('/api/approvals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ approval }) });
      answer = await res.json();
    } catch (err) {
      answer = { ok: false, code: 'network', reason: err.message };
    }
    if (answer.ok) {
      const text = `Accepted: your ${decision === 'approve' ? 'approval' : 'rejection'} counts (${answer.have} of ${answer.need}); request is ${answer.status}.`;
      say(text, true);
      this.log(`${id}: ${statement.approver} ${decision === 'approve' ? 'approved' : 'rejected'} (${statement.meaning}): ${text}`, 'ok');
    } else {
      const text = `Refused by governance: ${answer.code}: ${answer.reason}`;
      say(text, false);
      this.log(`${id}: ${statement.approver}'s ${decision} was refused: ${answer.code}: ${answer.reason}`, 'bad');
    }
    this.refreshButtons();
  }

  log(text, cls) {
    const list = $('action-log');
    list.prepend(el('li', { class: cls, text: `${clock(Date.now())} ${text}` }));
    while (list.children.length > 50) list.lastElementChild.remove();
  }
}

function fact(term, value) {
  return el('div', {}, el('dt', { text: term }), el('dd', { text: value }));
}

function factNode(term, dd) {
  return el('div', {}, el('dt', { text: term }), dd);
}
