/**
 * oq-report.html: one self-contained page (no scripts, no external
 * resources): summary, traceability matrix (clause -> checks -> result), the
 * installation's identity, and every check with what was done, expected,
 * observed, its evidence and receipts. Print CSS lays it out on A4.
 */
import type { Report } from './report.js';
import type { CheckRecord } from './types.js';

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const cls = (r: string): string => `r-${r.toLowerCase().replace(/\s+/g, '-')}`;
const badge = (r: string): string => `<span class="badge ${cls(r)}">${esc(r)}</span>`;

const CSS = `
:root { --pass: #1b7f3b; --fail: #c0001a; --notrun: #6b6b6b; --inc: #9a6700; --line: #ccc; }
body { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px; color: #111; }
h1 { font-size: 17pt; margin: 0 0 4px; } h2 { font-size: 13pt; margin: 22px 0 8px; border-bottom: 2px solid #222; }
h3 { font-size: 11pt; margin: 0 0 6px; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 8.5pt; word-break: break-all; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-weight: 600; font-size: 9pt; white-space: nowrap; }
.r-pass { background: var(--pass); } .r-fail { background: var(--fail); } .r-not-run { background: var(--notrun); } .r-incomplete { background: var(--inc); } .r-procedural { background: #44546a; }
tr.m-fail td { background: #fff0f1; } tr.m-incomplete td { background: #fff8e6; } tr.m-procedural td { background: #f3f5f8; }
.check { border: 1px solid var(--line); border-left: 6px solid var(--notrun); padding: 8px 10px; margin: 10px 0; break-inside: avoid; }
  .check.c-pass { border-left-color: var(--pass); } .check.c-fail { border-left-color: var(--fail); background: #fff0f1; } .check.c-not-run { background: #f6f6f6; }
.check.c-fail .observed { color: var(--fail); font-weight: 600; }
table.evidence th { width: 12em; font-weight: 600; } table.evidence caption, table.receipts caption { text-align: left; font-weight: 600; padding-top: 4px; }
dl { display: grid; grid-template-columns: 9em 1fr; gap: 2px 10px; margin: 4px 0; } dt { font-weight: 600; } dd { margin: 0; }
.summary { font-size: 12pt; } .summary .badge { font-size: 12pt; }
ol { margin: 2px 0 2px 1.2em; padding: 0; }
@page { size: A4; margin: 16mm 14mm; }
@media print { body { margin: 0; font-size: 9.5pt; } h2 { break-after: avoid; } tr, .check { break-inside: avoid; } .check.c-fail, .check.c-not-run, tr.row td { -webkit-print-color-adjust: exact; print-color-adjust: exact; } .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
`;

function checkSection(c: CheckRecord): string {
  const evidence = Object.entries(c.evidence).map(([k, v]) => `<tr><th>${esc(k)}</th><td class="mono">${esc(v ?? '')}</td></tr>`).join('');
  const receipts = c.receipts.map((r) => `<tr><td>${r.seq}</td><td>${esc(r.kind)}</td><td class="mono">${esc(r.hash)}</td></tr>`).join('');
  return `<section class="check ${cls(c.result).replace('r-', 'c-')}" id="${esc(c.id)}">
<h3>${esc(c.id)} ${esc(c.title)} ${badge(c.result)}</h3>
<dl>
<dt>Clauses</dt><dd>${esc(c.clauses.join(', ') || '-')}</dd>
<dt>Done</dt><dd>${c.done.length ? `<ol>${c.done.map((d) => `<li>${esc(d)}</li>`).join('')}</ol>` : '-'}</dd>
<dt>Expected</dt><dd>${esc(c.expected || '-')}</dd>
<dt>Observed</dt><dd class="observed">${esc(c.observed || '-')}</dd>
${c.why ? `<dt>${c.result === 'NOT RUN' ? 'Not run because' : 'Error'}</dt><dd class="observed">${esc(c.why)}</dd>` : ''}
<dt>Time</dt><dd>${esc(c.startedAt)} to ${esc(c.finishedAt)}</dd>
</dl>
${evidence ? `<table class="evidence"><caption>Evidence</caption>${evidence}</table>` : ''}
${receipts ? `<table class="receipts"><caption>Receipts (ledger seq, kind, hash)</caption><tr><th>seq</th><th>kind</th><th>hash</th></tr>${receipts}</table>` : ''}
</section>`;
}

export function renderHtml(report: Report): string {
  const s = report.summary;
  const inst = report.installation;
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  const matrix = report.clauses
    .map((cl) => {
      const checks = cl.checks.length
        ? cl.checks.map((id) => `<a href="#${esc(id)}">${esc(id)}</a> ${badge(byId.get(id)?.result ?? 'NOT RUN')}`).join('<br>')
        : `no evidence from taogate: ${esc(cl.procedural ?? 'site procedures')}`;
      return `<tr class="row ${cls(cl.result).replace('r-', 'm-')}"><td>${esc(cl.id)}</td><td>${esc(cl.title)}</td><td>${checks}</td><td>${badge(cl.result)}</td></tr>`;
    })
    .join('\n');
  const keys = inst.keys.map((k) => `<tr><td>${esc(k.name)}</td><td>${esc(k.role)}</td><td class="mono">${esc(k.kid)}</td></tr>`).join('');
  const cp = inst.ledger.checkpoint;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>taogate OQ report ${esc(report.id)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>${CSS}</style></head>
<body>
<header><h1>Installation and operational qualification: ${esc(inst.gatewayId)}</h1>
<div>Run ${esc(report.id)}, ${esc(report.startedAt)} to ${esc(report.finishedAt)}; performed by ${report.operator ? `${esc(report.operator.name)} (${esc(report.operator.role)}, key <span class="mono">${esc(report.operator.kid)}</span>)` : 'an unnamed operator (report not signed)'}</div></header>
<h2>Summary</h2>
<p class="summary" id="summary">Result ${badge(s.result)}: ${s.pass} passed, ${s.fail} failed, ${s.notRun} not run, of ${s.total} checks.</p>
<h2>Traceability matrix</h2>
<table id="matrix"><thead><tr><th>Clause</th><th>Requirement</th><th>Checks</th><th>Result</th></tr></thead><tbody>
${matrix}
</tbody></table>
<h2>Installation</h2>
<table id="installation">
<tr><th>Gateway</th><td>${esc(inst.gatewayId)} (${esc(inst.site)})</td></tr>
<tr><th>Profile</th><td>${esc(inst.profile.path)}</td></tr>
<tr><th>Policy hash</th><td class="mono">${esc(inst.profile.policyHash)}</td></tr>
<tr><th>Software</th><td>${esc(inst.software.name)} ${esc(inst.software.version)}, Node.js ${esc(inst.software.node)}; manifest digest <span class="mono">${esc(inst.software.manifestDigest ?? 'none')}</span></td></tr>
<tr><th>Ledger head</th><td>${inst.ledger.count} receipts, seq ${inst.ledger.headSeq}, <span class="mono">${esc(inst.ledger.head)}</span></td></tr>
<tr><th>Checkpoint</th><td>${cp ? `seq ${cp.seq}, size ${cp.size}, root <span class="mono">${esc(cp.root)}</span>; ${cp.cosigned === null ? 'upstream copy not on this host' : cp.cosigned ? 'cosigned by the upstream' : 'not yet cosigned by the upstream'}` : 'none yet'}</td></tr>
<tr><th>Addresses</th><td class="mono">${Object.entries(inst.addresses).map(([k, v]) => `${esc(k)} ${esc(v)}`).join('<br>')}</td></tr>
</table>
<table id="keys"><caption>Keys (trust store)</caption><tr><th>name</th><th>role</th><th>key id</th></tr>${keys}</table>
<h2>Checks</h2>
${report.checks.map(checkSection).join('\n')}
<footer><p>The JSON form (oq-report.json) is the signed record (oq-report.sig); check both with <code>taogate validate verify DIR</code>.</p></footer>
</body></html>
`;
}
