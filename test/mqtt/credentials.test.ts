import { expect } from 'chai';
import { FrameScanner, generateCredentials, hashPassword, parseReply, parseRequest, parseUsersFile, verifyPassword } from '../../src/mqtt/index.js';

describe('mqtt credentials', () => {
  it('when a password is hashed, it verifies and a wrong one does not', async () => {
    const h = hashPassword('s3cret');
    expect(h).to.match(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('s3cret', h)).to.equal(true);
    expect(await verifyPassword(Buffer.from('s3cret'), h)).to.equal(true);
    expect(await verifyPassword('s3cret!', h)).to.equal(false);
  });

  it('when the stored hash is malformed or too costly, verification is false, never a throw', async () => {
    for (const bad of ['', 'scrypt$', 'bcrypt$1$2$3$AAAA$BBBB', 'scrypt$1000$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==', `scrypt$${1 << 22}$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==`]) {
      expect(await verifyPassword('x', bad), bad).to.equal(false);
    }
  });

  it('when credentials are generated, passwords are 24 random bytes base64url and hashes verify', async () => {
    const { file, passwords } = generateCredentials([
      { username: 'gw-1', role: 'gateway', gatewayId: 'gw-1' },
      { username: 'operator', role: 'client' },
    ]);
    expect(file.version).to.equal(1);
    expect(file.users.map((u) => u.username)).to.deep.equal(['gw-1', 'operator']);
    expect(file.users[0]!.gatewayId).to.equal('gw-1');
    expect(passwords.operator).to.match(/^[A-Za-z0-9_-]{32}$/);
    expect(passwords.operator).to.not.equal(passwords['gw-1']);
    expect(await verifyPassword(passwords.operator!, file.users[1]!.passwordHash)).to.equal(true);
  });

  it('when a users file is invalid, parsing names the problem', () => {
    const ok = generateCredentials([{ username: 'a', role: 'client' }]).file;
    const h = ok.users[0]!.passwordHash;
    expect(() => parseUsersFile({ version: 2, users: [] })).to.throw(/version/);
    expect(() => parseUsersFile({ version: 1, users: [{ username: 'a/b', role: 'client', passwordHash: h }] })).to.throw(/username/);
    expect(() => parseUsersFile({ version: 1, users: [{ username: 'a', role: 'root', passwordHash: h }] })).to.throw(/role/);
    expect(() => parseUsersFile({ version: 1, users: [{ username: 'g', role: 'gateway', passwordHash: h }] })).to.throw(/gatewayId/);
    expect(() => parseUsersFile({ version: 1, users: [{ username: 'a', role: 'client', passwordHash: 'x' }] })).to.throw(/passwordHash/);
    expect(() => parseUsersFile({ version: 1, users: [ok.users[0], ok.users[0]] })).to.throw(/duplicate/);
  });
});

describe('mqtt wire envelopes', () => {
  const corr = 'a'.repeat(32);
  it('when a request is garbage, parsing says why and never throws', () => {
    const bad: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['[1,2]', /object/],
      ['null', /object/],
      [JSON.stringify({ replyTo: 'a/b', deadline: 1 }), /corr/],
      [JSON.stringify({ corr: 'xyz', replyTo: 'a/b', deadline: 1 }), /corr/],
      [JSON.stringify({ corr, deadline: 1 }), /replyTo/],
      [JSON.stringify({ corr, replyTo: 'a/+/b', deadline: 1 }), /replyTo/],
      [JSON.stringify({ corr, replyTo: 'a/#', deadline: 1 }), /replyTo/],
      [JSON.stringify({ corr, replyTo: 'a/b', deadline: 'soon' }), /deadline/],
    ];
    for (const [payload, why] of bad) {
      const r = parseRequest(payload);
      expect(r.ok, payload).to.equal(false);
      if (!r.ok) expect(r.reason, payload).to.match(why);
    }
    expect(parseRequest(JSON.stringify({ corr, replyTo: 'a/b', deadline: 5, body: { x: 1 } }))).to.deep.equal({
      ok: true,
      value: { corr, replyTo: 'a/b', deadline: 5, body: { x: 1 } },
    });
    expect(parseReply('{').ok).to.equal(false);
  });
});

describe('mqtt frame guard (MQTT 3.1.1 2.2)', () => {
  it('when packets stay under the limit, across chunk boundaries, it passes them', () => {
    const s = new FrameScanner(100);
    // PINGREQ (no body), then a PUBLISH with remaining length 10 split over chunks
    expect(s.feed(Buffer.from([0xc0, 0x00, 0x30]))).to.deep.equal({ ok: true });
    expect(s.feed(Buffer.from([0x0a, 1, 2, 3]))).to.deep.equal({ ok: true });
    expect(s.feed(Buffer.from([4, 5, 6, 7, 8, 9, 10, 0xc0, 0x00]))).to.deep.equal({ ok: true });
  });

  it('when a header announces more than the limit, it refuses before the body arrives', () => {
    const s = new FrameScanner(256 * 1024);
    // remaining length 1 MiB = 0x80 0x80 0x40
    const v = s.feed(Buffer.from([0x30, 0x80, 0x80, 0x40]));
    expect(v.ok).to.equal(false);
  });

  it('when the remaining length has a 5th byte or the type is reserved (2.2.1, 2.2.3), it refuses', () => {
    expect(new FrameScanner(1e9).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f])).ok).to.equal(false);
    expect(new FrameScanner(1e9).feed(Buffer.from([0x00, 0x00])).ok).to.equal(false);
    expect(new FrameScanner(1e9).feed(Buffer.from([0xf0, 0x00])).ok).to.equal(false);
  });
});
