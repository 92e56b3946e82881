/**
 * Issue 12, section 4: what docs/operations.md, the alert rules and the
 * Grafana dashboard name is what the parts serve. The metric names come from
 * the real registries of a gateway (ops endpoint of a test cell), governance
 * and an upstream, scraped as Prometheus text. promtool checks the rules
 * when it is installed (Debian package prometheus).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { governanceRegistry } from '../../src/ops/governance-ops.js';
import { upstreamRegistry } from '../../src/ops/upstream-ops.js';
import type { UpstreamNode } from '../../src/replication/upstream.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { REPO } from '../helpers/cli.js';
import { startUpstreamIn } from '../replication/helpers.js';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/** Metric family names in Prometheus text (from the # TYPE lines). */
function families(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

/** taogate_* / process_* / nodejs_* names in a text, histogram and counter suffixes folded onto their family. */
function namedIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\b((?:taogate|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')));
}

describe('site monitoring: docs, alerts and dashboard match the served metrics', function () {
  let cell: Cell;
  let upstream: UpstreamNode;
  let served: Set<string>;

  before(async () => {
    cell = await startCell({ http: true });
    upstream = await startUpstreamIn(cell);
    const gw = await (await fetch(`${cell.http!.url}/metrics`)).text();
    const gov = await governanceRegistry(cell.governance!).metrics();
    const up = await upstreamRegistry(upstream).metrics();
    served = new Set([...families(gw), ...families(gov), ...families(up)]);
  });
  after(async () => {
    await upstream?.close();
    await cell?.close();
  });

  it('when docs/operations.md names a metric, a part serves it (and process metrics carry no taogate_ prefix)', () => {
    const docs = readFileSync(join(REPO, 'docs', 'operations.md'), 'utf8');
    const named = [...namedIn(docs)].filter((n) => !n.endsWith('_'));
    expect(named.length).to.be.greaterThan(20);
    const missing = named.filter((n) => !served.has(n));
    expect(missing, 'named in docs/operations.md but not served').to.deep.equal([]);
    expect(served.has('process_resident_memory_bytes')).to.equal(true);
    expect([...served].filter((n) => n.startsWith('taogate_process_'))).to.deep.equal([]);
  });

  it('when the alert rules or the dashboard use a metric, a part serves it', () => {
    for (const file of ['docker/prometheus/alerts.yml', 'docker/grafana/taogate.json']) {
      const missing = [...namedIn(readFileSync(join(REPO, file), 'utf8'))].filter((n) => !served.has(n));
      expect(missing, `used in ${file} but not served`).to.deep.equal([]);
    }
  });

  it('when promtool is installed it accepts docker/prometheus/alerts.yml', function () {
    if (!PROMTOOL) {
      // eslint-disable-next-line no-console
      console.log('      (skipped: promtool not installed; apt-get install prometheus)');
      this.skip();
    }
    const out = execFileSync(PROMTOOL!, ['check', 'rules', join(REPO, 'docker', 'prometheus', 'alerts.yml')]).toString();
    expect(out).to.match(/SUCCESS: \d+ rules found/);
  });
});
