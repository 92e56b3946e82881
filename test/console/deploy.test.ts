/**
 * Issue 7, deployment files, checked without a container engine (none runs
 * here): docker/compose.yaml parses and every service runs a real `taogate`
 * subcommand with flags that subcommand has, mounting key files that `keys
 * init` really makes; governance stays off the HMI and field networks; the
 * Dockerfile's final stage runs as a non-root user with a healthcheck and
 * production dependencies only; the systemd unit carries the hardening keys.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { initKeys } from '../../src/cli/keys-init.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { loadProfile } from '../../src/policy/index.js';
import { CLI, REPO } from '../helpers/cli.js';

const DOCKER = join(REPO, 'docker');

interface Service {
  image?: string;
  command?: string[];
  networks?: string[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean; volume?: { subpath?: string } })[];
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  user?: string;
  depends_on?: Record<string, unknown>;
  read_only?: boolean;
  cap_drop?: string[];
}

interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  volumes: Record<string, unknown>;
}

const helpCache = new Map<string, { code: number | null; out: string }>();
function help(words: readonly string[]): { code: number | null; out: string } {
  const key = words.join(' ');
  let r = helpCache.get(key);
  if (!r) {
    const p = spawnSync(process.execPath, [CLI, ...words, '--help'], { cwd: REPO, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    r = { code: p.status, out: `${p.stdout}${p.stderr}` };
    helpCache.set(key, r);
  }
  return r;
}

/** The subcommand words of an argv (up to the first flag) and its flags. */
function split(argv: readonly string[]): { words: string[]; flags: string[] } {
  const first = argv.findIndex((a) => a.startsWith('-'));
  return { words: first < 0 ? [...argv] : argv.slice(0, first), flags: argv.filter((a) => /^--[a-z]/.test(a)).map((a) => a.split('=')[0]!) };
}

function expectRealCommand(where: string, argv: readonly string[]): void {
  const { words, flags } = split(argv);
  expect(words, `${where}: no subcommand`).to.not.be.empty;
  const h = help(words);
  expect(h.code, `${where}: taogate ${words.join(' ')} --help\n${h.out}`).to.equal(0);
  // A group (e.g. `broker`, which also has `broker mosquitto-config`) must run by itself: it takes options of its own.
  if (/^Commands:/m.test(h.out)) expect(h.out, `${where}: taogate ${words.join(' ')} is only a command group`).to.match(/^Options:[\s\S]*--[a-z-]+ <[^>]+>/m);
  for (const f of flags) expect(h.out, `${where}: taogate ${words.join(' ')} has no ${f}`).to.include(`${f} `);
}

describe('deployment files (checked without a container engine)', function () {
  this.timeout(120_000);
  const compose = parse(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8'), { merge: true }) as Compose;
  const taogate = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('taogate:'));

  it('when compose.yaml is read, it runs broker, governance, gateway, both simulators, upstream and InfluxDB', () => {
    expect(compose.services).to.include.keys('broker', 'governance', 'gateway', 'plc-modbus', 'plc-opcua', 'upstream', 'influxdb', 'keys');
    expect(compose.services.influxdb!.image).to.match(/^influxdb:1\./);
    for (const [name, s] of taogate) {
      expect(s.read_only, name).to.equal(true);
      expect(s.cap_drop, name).to.deep.equal(['ALL']);
    }
  });

  it("when every taogate service's command is run with --help, it is a real subcommand and knows every flag given", () => {
    expect(taogate.length).to.be.greaterThanOrEqual(7);
    for (const [name, s] of taogate) expectRealCommand(`service ${name}`, s.command ?? []);
  });

  it('when the key files mounted by each service are compared with `keys init`, each exists and only governance gets the TAO signing key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taogate-deploy-keys-'));
    try {
      initKeys(dir, loadProfile(DEMO_PROFILE));
      for (const [name, s] of taogate) {
        for (const v of s.volumes ?? []) {
          if (typeof v === 'string' || v.source !== 'keys' || !v.volume?.subpath) continue;
          expect(existsSync(join(dir, v.volume.subpath)), `${name} mounts keys/${v.volume.subpath}`).to.equal(true);
          expect(v.read_only, `${name}: ${v.target} read-only`).to.equal(true);
          if (v.volume.subpath === 'governance.jwk') expect(name).to.equal('governance');
        }
      }
      const mounts = (name: string) => (compose.services[name]!.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
      expect(mounts('gateway')).to.include('gateway-ledger:/var/lib/taogate/ledger');
      expect(mounts('upstream')).to.include('upstream-ledger:/var/lib/taogate/upstream');
      expect(compose.volumes).to.include.keys('keys', 'gateway-ledger', 'upstream-ledger');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the networks are compared, governance shares none with the HMIs or the PLCs, and the field network is internal', () => {
    const nets = (name: string) => compose.services[name]!.networks ?? [];
    expect(nets('governance')).to.not.include.members(['hmi']);
    expect(nets('governance')).to.not.include('field');
    expect(nets('gateway')).to.include.members(['hmi', 'control', 'field']);
    expect(nets('plc-modbus')).to.deep.equal(['field']);
    expect(nets('plc-opcua')).to.deep.equal(['field']);
    // Compose stops in reverse dependency order: the gateway before the upstream that acknowledges its stop receipt.
    expect(Object.keys(compose.services.gateway!.depends_on ?? {})).to.include.members(['broker', 'upstream']);
    expect(compose.networks.field?.internal).to.equal(true);
    expect(compose.networks.control?.internal).to.equal(true);
    // the console and metrics are published on the host's loopback only
    for (const p of [...(compose.services.governance!.ports ?? []), ...(compose.services.gateway!.ports ?? [])].filter((x) => /:80[0-9]{2}$/.test(x))) expect(p).to.match(/^127\.0\.0\.1:/);
  });

  it("when the Dockerfile's stages are read, the final one runs as a non-root user with a healthcheck and production dependencies only", () => {
    const text = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const stages: { name: string; lines: string[] }[] = [];
    for (const l of lines) {
      const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(l);
      if (from) stages.push({ name: from[1] ?? `#${stages.length}`, lines: [] });
      else stages[stages.length - 1]?.lines.push(l);
    }
    expect(stages.length, 'multi-stage').to.be.greaterThanOrEqual(2);
    const final = stages[stages.length - 1]!;
    const user = final.lines.filter((l) => /^USER\s/i.test(l)).pop();
    expect(user, 'USER in the final stage').to.be.a('string');
    expect(user!.split(/\s+/)[1]!.split(':')[0]).to.not.match(/^(root|0)$/);
    expect(final.lines.some((l) => /^HEALTHCHECK\s+.*CMD/i.test(l)), 'HEALTHCHECK in the final stage').to.equal(true);
    expect(final.lines.some((l) => /npm (ci|install)/.test(l)), 'no npm install in the final stage').to.equal(false);
    // node_modules come from a stage that installed with --omit=dev
    const copy = final.lines.find((l) => /^COPY\s+--from=(\S+)\s+\S*node_modules/i.test(l));
    expect(copy, 'node_modules copied from another stage').to.be.a('string');
    const from = /--from=(\S+)/.exec(copy!)![1];
    expect(stages.find((s) => s.name === from)!.lines.join('\n')).to.match(/npm ci --omit=dev/);
    // The final stage compiles the build the CLI runs, with production dependencies only (esbuild);
    // tsx runs the sources whenever the build does not match them: both are production dependencies.
    expect(final.lines.some((l) => /^RUN\s+node src\/cli\/build\.mjs/.test(l)), 'the final stage builds dist/').to.equal(true);
    expect(final.lines.findIndex((l) => /^RUN\s+node src\/cli\/build\.mjs/.test(l)), 'built before the service user takes over').to.be.lessThan(final.lines.findIndex((l) => /^USER\s/i.test(l)));
    // The image carries its own file manifest, written after the build: IQ-01 runs in a container (no git there).
    expect(final.lines.some((l) => /^RUN\s+node src\/cli\/build\.mjs.*&& node src\/cli\/taogate\.mjs validate manifest/.test(l)), 'the final stage writes taogate-manifest.json after the build').to.equal(true);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies).to.have.property('tsx');
    expect(pkg.dependencies).to.have.property('esbuild');
    // what the image copies exists, and the entrypoint is the CLI
    for (const l of lines.filter((x) => /^COPY\s/i.test(x) && !/--from=/.test(x))) {
      for (const src of l.split(/\s+/).slice(1, -1)) expect(existsSync(join(REPO, src)), `COPY ${src}`).to.equal(true);
    }
    expect(final.lines.find((l) => /^ENTRYPOINT/i.test(l))).to.include('src/cli/taogate.mjs');
  });

  it('when the systemd unit is read, it restarts always with no start limit, runs as a dedicated user and carries the hardening keys', () => {
    const unit = readFileSync(join(DOCKER, 'taogate-gateway.service'), 'utf8');
    const sections = new Map<string, Map<string, string[]>>();
    let current: Map<string, string[]> | undefined;
    for (const raw of unit.split('\n')) {
      const l = raw.trim();
      if (!l || l.startsWith('#') || l.startsWith(';')) continue;
      const sec = /^\[(.+)\]$/.exec(l);
      if (sec) sections.set(sec[1]!, (current = new Map()));
      else {
        const i = l.indexOf('=');
        expect(i, `not key=value: ${l}`).to.be.greaterThan(0);
        const k = l.slice(0, i);
        current!.set(k, [...(current!.get(k) ?? []), l.slice(i + 1)]);
      }
    }
    const svc = sections.get('Service')!;
    const one = (k: string) => svc.get(k)?.at(-1);
    expect(sections.has('Unit') && sections.has('Install')).to.equal(true);
    // Restarts for ever, with no start limit: a broker outage at boot must not leave the gateway down for good (issue 12).
    expect(one('Restart')).to.equal('always');
    // Stops before the upstream and the site broker on the same host (After= reverses at shutdown).
    expect(sections.get('Unit')!.get('After')?.join(' ').split(/\s+/)).to.include.members(['taogate-upstream.service', 'mosquitto.service']);
    expect(sections.get('Unit')!.get('StartLimitIntervalSec')?.at(-1)).to.equal('0');
    expect(one('User')).to.be.a('string').and.not.match(/^(root|0)$/);
    expect(one('ProtectSystem')).to.equal('strict');
    expect(one('ProtectHome')).to.equal('yes');
    expect(one('NoNewPrivileges')).to.equal('yes');
    expect(one('PrivateTmp')).to.equal('yes');
    expect(one('CapabilityBoundingSet')).to.equal('');
    expect(svc.get('ReadWritePaths')).to.deep.equal(['/var/lib/taogate/ledger']);
    const exec = one('ExecStart')!.split(/\s+/);
    expect(exec[0]).to.match(/^\//);
    const argv = exec.slice(exec.findIndex((a) => a.endsWith('taogate.mjs')) + 1).filter((a) => !a.startsWith('$'));
    expect(argv[0]).to.equal('gateway');
    expectRealCommand('taogate-gateway.service', argv.filter((a) => !a.startsWith('${')));
    expect(argv[argv.indexOf('--ledger') + 1]).to.equal('/var/lib/taogate/ledger');
  });
});
