/**
 * docker/compose.yaml's reactor PLC, run without a container engine: the
 * commands of its services `keys`, `gateway-pki`, `plc-opcua` and `gateway`
 * exactly as compose.yaml writes them, as real `taogate` processes, with each
 * container path mapped to the host folder of the volume compose mounts there
 * (a file mounted by subpath maps to that file in the volume's folder). Hosts
 * and ports are moved to 127.0.0.1 and free ports; the gateway keeps only
 * its reactor device. Shows that the hardened PLC the profile describes
 * (Basic256Sha256, SignAndEncrypt, user login) is what compose runs, that
 * the setup services make every file the others mount, and the trust step
 * the compose header tells the operator to do: the gateway refuses the PLC's
 * certificate until `taogate pki trust`, then the reactor link comes up.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { MessageSecurityMode, OPCUAClient, UserTokenType } from 'node-opcua';
import { parse } from 'yaml';
import { REPO, runCli, startCliPart, type CliPart } from '../helpers/cli.js';
import { freePort } from '../site/mosquitto.js';
import { waitForValue } from '../helpers/wait.js';

type Mount = string | { type: string; source: string; target: string; volume?: { subpath?: string } };
interface Service {
  command?: string[];
  volumes?: Mount[];
}

const compose = parse(readFileSync(join(REPO, 'docker', 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** A container path of `service` -> the host path: the volume (or bind) mounted there, or the volume whose files are mounted under it by subpath. */
function hostPathOf(service: string, path: string, volumes: Record<string, string>): string {
  const mounts = (compose.services[service]!.volumes ?? []).map((m) => {
    if (typeof m !== 'string') return { source: m.source, target: m.target, subpath: m.volume?.subpath };
    // SOURCE:TARGET[:ro], where SOURCE may be ${VAR:-default}
    const [, source, target] = /^(\$\{[^}]*\}|[^:]+):([^:]+)/.exec(m) ?? [];
    if (!source || !target) throw new Error(`${service}: cannot read the mount ${m}`);
    return { source, target, subpath: undefined };
  });
  const hostOf = (source: string) => {
    const bind = /^\$\{[A-Z_]+:-(.+)\}$/.exec(source)?.[1];
    if (bind) return join(REPO, 'docker', bind);
    const dir = volumes[source];
    if (!dir) throw new Error(`${service}: volume ${source} has no host folder in this test`);
    return dir;
  };
  for (const m of mounts) {
    if (path === m.target || path.startsWith(`${m.target}/`)) return join(hostOf(m.source), m.subpath ?? '', path.slice(m.target.length));
  }
  // A folder whose files are each mounted from one volume at their subpath (the keys dir, file by file).
  const inside = mounts.filter((m) => m.target.startsWith(`${path}/`));
  expect(inside, `${service}: nothing is mounted at or under ${path}`).to.not.be.empty;
  for (const m of inside) {
    expect(m.subpath, `${service}: ${m.target} is mounted by subpath`).to.equal(posix.relative(path, m.target));
    expect(m.source, `${service}: every file under ${path} comes from one volume`).to.equal(inside[0]!.source);
  }
  return hostOf(inside[0]!.source);
}

/** The service's command with container paths mapped, listen hosts on 127.0.0.1 and `--port`-like values replaced. */
function commandOf(service: string, volumes: Record<string, string>, replace: Record<string, string> = {}): string[] {
  const argv = [...(compose.services[service]!.command ?? [])];
  return argv.map((a, i) => {
    const flag = argv[i - 1] ?? '';
    if (flag in replace) return replace[flag]!;
    if (a === '0.0.0.0') return '127.0.0.1';
    return a.startsWith('/') ? hostPathOf(service, a, volumes) : a;
  });
}

describe("docker/compose.yaml's hardened reactor PLC, as real processes", function () {
  this.timeout(240_000);
  let dir: string;
  const parts: CliPart[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-compose-plc-'));
  });
  after(async () => {
    for (const p of parts) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the setup services ran, the PLC offers only secured channels with a login, and the gateway links to it once an operator trusts its certificate', async () => {
    const volumes: Record<string, string> = {};
    for (const v of ['keys', 'gateway-pki', 'plc-opcua-pki', 'gateway-ledger']) mkdirSync((volumes[v] = join(dir, v)));

    // setup: keys (with the PLC login the profile names) and the gateway's client certificate
    const keys = await runCli(commandOf('keys', volumes), { timeoutMs: 60_000 });
    expect(keys.code, keys.stderr).to.equal(0);
    const pki = await runCli(commandOf('gateway-pki', volumes), { timeoutMs: 60_000 });
    expect(pki.code, pki.stderr).to.equal(0);

    // the PLC, hardened with the files the setup made
    const plcArgs = commandOf('plc-opcua', volumes, { '--port': String(await freePort()) });
    expect(plcArgs).to.include.members(['--user', '--password-file', '--trust-client']);
    const plc = startCliPart(plcArgs);
    parts.push(plc);
    const endpoint = String((await plc.ready).opcua);
    // What it offers: signed and encrypted channels and a user login only (no Security None, no anonymous).
    const probe = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
    await probe.connect(endpoint);
    const offered = await probe.getEndpoints();
    await probe.disconnect();
    expect(offered).to.not.be.empty;
    for (const e of offered) {
      expect(e.securityMode, e.securityPolicyUri ?? '').to.be.oneOf([MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt]);
      expect((e.userIdentityTokens ?? []).map((t) => t.tokenType)).to.not.include(UserTokenType.Anonymous);
    }

    // the gateway: its reactor device at that PLC, no broker (it starts without one)
    const gwArgs = commandOf('gateway', volumes, { '--modbus-port': '0', '--opcua-port': '0', '--http': '0' });
    const devices = gwArgs.flatMap((a, i) => (gwArgs[i - 1] === '--device' ? [a] : []));
    expect(devices.some((d) => d.startsWith('reactor=opc.tcp://plc-opcua:'))).to.equal(true);
    const args = gwArgs.filter((a, i) => a !== '--device' && gwArgs[i - 1] !== '--device');
    const gateway = startCliPart([...args, '--device', `reactor=${endpoint}`], { TAOGATE_BROKER: `mqtt://127.0.0.1:${await freePort()}` });
    parts.push(gateway);
    const http = String((await gateway.ready).http);
    // /readyz names each device that is down and why; /metrics says taogate_plc_up per device.
    const reactor = async (): Promise<string | undefined> => {
      try {
        return await reactorState();
      } catch {
        return undefined;
      }
    };
    const reactorState = async () => {
      const body = (await (await fetch(`${http}/readyz`)).json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
      const down = /reactor down: [^;]*/.exec(body.checks.plc?.detail ?? '')?.[0];
      const up = /^taogate_plc_up\{device="reactor"\} 1$/m.test(await (await fetch(`${http}/metrics`)).text());
      return down ?? (up ? 'reactor up' : undefined);
    };

    // fail closed: the PLC's certificate is not trusted yet
    let last: string | undefined;
    const seen = async () => (last = await reactor());
    const refused = await waitForValue('the reactor link refused for its certificate', async () => ((await seen())?.includes('not trusted') ? last : undefined), 90_000).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${last}\ngateway log:\n${gateway.stderr().slice(-3000)}`);
    });
    expect(refused).to.match(/^reactor down/);
    const gatewayPki = hostPathOf('gateway', '/var/lib/taogate/pki', volumes);
    const listed = await runCli(['pki', 'list', '--pki', gatewayPki, '--json'], { timeoutMs: 60_000 });
    expect(listed.code, listed.stderr).to.equal(0);
    const rejected = (JSON.parse(listed.stdout) as { store: string; state: string; thumbprint: string }[]).filter((c) => c.state === 'rejected');
    expect(rejected, listed.stdout).to.have.length(1);

    // the operator trusts it (the compose header's command): the link comes up, logged in as the profile's user
    const trusted = await runCli(['pki', 'trust', rejected[0]!.thumbprint, '--pki', gatewayPki], { timeoutMs: 60_000 });
    expect(trusted.code, trusted.stderr).to.equal(0);
    expect(await waitForValue('the reactor link up', async () => ((await reactor()) === 'reactor up' ? 'up' : undefined), 90_000)).to.equal('up');
    for (const p of parts) expect(p.proc.exitCode, p.stderr()).to.equal(null);
  });
});
