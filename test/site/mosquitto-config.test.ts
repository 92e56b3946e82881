/**
 * `taogate broker mosquitto-config` run as a real CLI: the files it writes,
 * the ACL generated from ACL_RULES (every rule, for every user of a role it
 * names), and the password file format Mosquitto 2.0 reads.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pbkdf2Sync } from 'node:crypto';
import { ACL_RULES, readUsersFile } from '../../src/mqtt/index.js';
import { aclLine } from '../../src/mqtt/mosquitto.js';
import { runCli } from '../helpers/cli.js';

describe('broker mosquitto-config', function () {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taogate-mosq-conf-'));
    expect((await runCli(['keys', 'init', '--dir', join(dir, 'keys')])).code).to.equal(0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when run it writes conf, passwd (0600) and acl, and every rule of the ACL table is in the ACL for every user of its roles', async () => {
    const r = await runCli(['broker', 'mosquitto-config', '--keys', join(dir, 'keys'), '--out', join(dir, 'mq'), '--port', '18999', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const files = JSON.parse(r.stdout) as { conf: string; passwd: string; acl: string; users: string[] };
    const users = readUsersFile(join(dir, 'keys', 'mqtt-users.json')).users;
    const acl = readFileSync(files.acl, 'utf8');
    const blocks = new Map(acl.split(/^user /m).slice(1).map((b) => [b.split('\n')[0]!, b.split('\n').filter((l) => l.startsWith('topic '))]));
    let checked = 0;
    for (const rule of ACL_RULES) {
      for (const u of users.filter((x) => rule.roles.includes(x.role))) {
        expect(blocks.get(u.username), `${u.username} block`).to.include(aclLine(rule, u));
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(ACL_RULES.length / 2);
    // nothing else: each user's block has exactly the rules of its role
    for (const u of users) expect(blocks.get(u.username)).to.have.length(ACL_RULES.filter((x) => x.roles.includes(u.role)).length);
    // the gateway's own id and username are substituted, never a placeholder
    expect(acl).to.not.match(/\{(username|gatewayId)\}/);
    expect(blocks.get('gw-cell-1')).to.include('topic write taogate/v1/gov/propose/gw-cell-1');

    const conf = readFileSync(files.conf, 'utf8');
    expect(conf).to.match(/^allow_anonymous false$/m).and.match(/^use_username_as_clientid true$/m).and.match(/^listener 18999 127\.0\.0\.1$/m).and.match(/^set_tcp_nodelay true$/m);
    expect(statSync(files.passwd).mode & 0o777).to.equal(0o600);
    // $7$ = PBKDF2-SHA512 (Mosquitto 2.0): recompute one line from the user's secret
    const line = readFileSync(files.passwd, 'utf8').split('\n').find((l) => l.startsWith('operator:'))!;
    const [, , iterations, salt, hash] = line.split(':')[1]!.split('$');
    const secret = readFileSync(join(dir, 'keys', 'mqtt', 'operator.secret'), 'utf8').trim();
    expect(pbkdf2Sync(secret, Buffer.from(salt!, 'base64'), Number(iterations), 64, 'sha512').toString('base64')).to.equal(hash);
  });

  it('when --tls is asked without the TLS files it fails naming the missing file', async () => {
    const r = await runCli(['broker', 'mosquitto-config', '--keys', join(dir, 'keys'), '--out', join(dir, 'mq2'), '--tls']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/tls\/ca\.crt not found/);
  });
});
