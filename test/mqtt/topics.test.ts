import { expect } from 'chai';
import { covers, isValidFilter, mayPublish, mayRetain, maySubscribe, parsePattern, topicMatches, topics, type AclUser } from '../../src/mqtt/index.js';

const gov: AclUser = { username: 'governance', role: 'governance' };
const gw: AclUser = { username: 'gw-1', role: 'gateway', gatewayId: 'gw-1' };
const gwNoId: AclUser = { username: 'gw-x', role: 'gateway' };
const cli: AclUser = { username: 'operator', role: 'client' };
const up: AclUser = { username: 'upstream', role: 'upstream' };
const admin: AclUser = { username: 'root', role: 'admin' };

describe('mqtt topics and ACL', () => {
  describe('topic builders', () => {
    it('when given valid segments, it builds the documented topics', () => {
      expect(topics.propose('gw-1')).to.equal('taogate/v1/gov/propose/gw-1');
      expect(topics.stage('gw-1')).to.equal('taogate/v1/gw/gw-1/stage');
      expect(topics.decision('operator', 'ab12')).to.equal('taogate/v1/decision/operator/ab12');
      expect(topics.reply('operator', 'ab12')).to.equal('taogate/v1/reply/operator/ab12');
      expect(topics.receipts('gw-1')).to.equal('taogate/v1/repl/gw-1/receipts');
      expect(topics.replAck('gw-1')).to.equal('taogate/v1/repl/gw-1/ack');
      expect(topics.replCosign('gw-1')).to.equal('taogate/v1/repl/gw-1/cosign');
    });

    it('when a segment carries / + # or is empty, it throws', () => {
      for (const bad of ['a/b', '+', '#', '', 'x#', 'a'.repeat(65)]) expect(() => topics.propose(bad), bad).to.throw(TypeError);
    });
  });

  describe('MQTT 4.7 filter math', () => {
    it('when a filter is malformed (MQTT-4.7.1-2/-3), it is invalid', () => {
      for (const f of ['a/#/b', 'a/b#', 'a+/b', '', 'a/\u0000']) expect(isValidFilter(f), f).to.equal(false);
      for (const f of ['#', '+', 'a/+/b', 'a/#', '/a', 'a//b']) expect(isValidFilter(f), f).to.equal(true);
    });

    it('when matching, # also matches the parent level and wildcards skip $ topics (MQTT-4.7.1-2, 4.7.2-1)', () => {
      expect(topicMatches('a/#', 'a')).to.equal(true);
      expect(topicMatches('a/+', 'a/b/c')).to.equal(false);
      expect(topicMatches('#', '$SYS/x')).to.equal(false);
      expect(topicMatches('a/+/c', 'a/b/c')).to.equal(true);
    });

    it('when a filter spans more than the pattern, covers() refuses it', () => {
      const p = parsePattern('t/decision/{username}/#');
      const own = { username: 'me' };
      expect(covers(p, 't/decision/me/#', own)).to.equal(true);
      expect(covers(p, 't/decision/me/x', own)).to.equal(true);
      expect(covers(p, 't/decision/me', own)).to.equal(true);
      expect(covers(p, 't/decision/+/x', own)).to.equal(false);
      expect(covers(p, 't/decision/#', own)).to.equal(false);
      expect(covers(p, 't/#', own)).to.equal(false);
      expect(covers(p, 't/decision/you/x', own)).to.equal(false);
      expect(covers(parsePattern('t/+/x'), 't/a/x/y', own)).to.equal(false);
      expect(covers(parsePattern('t/+/x'), 't/+/x', own)).to.equal(true);
    });
  });

  describe('publish rules', () => {
    const cases: [string, AclUser, string, boolean][] = [
      ['a gateway proposes for itself', gw, topics.propose('gw-1'), true],
      ['a gateway proposes for another gateway', gw, topics.propose('gw-2'), false],
      ['a gateway without gatewayId proposes', gwNoId, topics.propose('gw-x'), false],
      ['a client proposes for a gateway', cli, topics.propose('gw-1'), false],
      ['governance publishes a decision', gov, topics.decision('operator', 'c1'), true],
      ['a gateway publishes a decision', gw, topics.decision('gw-1', 'c1'), false],
      ['a client publishes a decision', cli, topics.decision('operator', 'c1'), false],
      ['a client requests governance', cli, topics.govRequest, true],
      ['a gateway requests governance on the client channel', gw, topics.govRequest, false],
      ['a client stages at a gateway', cli, topics.stage('gw-1'), true],
      ['a gateway stages at another gateway', gw, topics.stage('gw-2'), false],
      ['a gateway replies to a client', gw, topics.reply('operator', 'c1'), true],
      ['a client fakes a reply', cli, topics.reply('operator', 'c1'), false],
      ['governance publishes its status', gov, topics.govStatus, true],
      ['a gateway fakes governance status', gw, topics.govStatus, false],
      ['governance announces queue events', gov, topics.govEvents, true],
      ['a client fakes queue events', cli, topics.govEvents, false],
      ['a gateway ships its receipts', gw, topics.receipts('gw-1'), true],
      ['a gateway ships receipts as another gateway', gw, topics.receipts('gw-2'), false],
      ['the upstream acks', up, topics.replAck('gw-1'), true],
      ['the upstream cosigns', up, topics.replCosign('gw-1'), true],
      ['a gateway acks itself', gw, topics.replAck('gw-1'), false],
      ['the upstream feeds break-glass receipts to governance', up, topics.bgFeed('gw-1'), true],
      ['a gateway feeds break-glass receipts itself', gw, topics.bgFeed('gw-1'), false],
      ['a client fakes the break-glass feed', cli, topics.bgFeed('gw-1'), false],
      ['governance fakes the break-glass feed', gov, topics.bgFeed('gw-1'), false],
      ['governance asks the upstream for a break-glass catch-up', gov, topics.bgSync, true],
      ['a client asks for a break-glass catch-up', cli, topics.bgSync, false],
      ['a publish topic carries a wildcard (MQTT-3.3.2-2)', admin, 'taogate/v1/+', false],
      ['admin publishes anywhere', admin, topics.decision('operator', 'c1'), true],
    ];
    for (const [what, user, topic, allowed] of cases) {
      it(`when ${what}, it is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(mayPublish(user, topic)).to.equal(allowed);
      });
    }
  });

  describe('subscribe rules', () => {
    const cases: [string, AclUser, string, boolean][] = [
      ['governance reads all proposals', gov, topics.proposeAll, true],
      ['a gateway reads proposals', gw, topics.proposeAll, false],
      ['a user reads its own decisions', cli, `${topics.decisionBase('operator')}/#`, true],
      ['a gateway reads its own decisions', gw, `${topics.decisionBase('gw-1')}/#`, true],
      ['a gateway reads another user`s decisions', gw, `${topics.decisionBase('operator')}/#`, false],
      ['a client reads every decision with +', cli, 'taogate/v1/decision/+/x', false],
      ['a client reads the whole tree', cli, 'taogate/v1/#', false],
      ['a client reads everything', cli, '#', false],
      ['a user reads its own replies', cli, `${topics.replyBase('operator')}/#`, true],
      ['a user reads another user`s replies', cli, `${topics.replyBase('console')}/#`, false],
      ['a gateway reads its own stage topic', gw, topics.stage('gw-1'), true],
      ['a gateway reads another gateway`s stage topic', gw, topics.stage('gw-2'), false],
      ['a gateway reads every stage topic', gw, 'taogate/v1/gw/+/stage', false],
      ['a client reads governance status', cli, topics.govStatus, true],
      ['a client reads queue events', cli, topics.govEvents, true],
      ['a client reads client requests', cli, topics.govRequest, false],
      ['the upstream reads receipts of all gateways', up, topics.receiptsAll, true],
      ['a gateway reads receipts', gw, topics.receiptsAll, false],
      ['a gateway reads its own acks and cosignatures', gw, topics.replAck('gw-1'), true],
      ['a gateway reads another gateway`s acks', gw, topics.replAck('gw-2'), false],
      ['a gateway reads its own repl/+ (covers receipts too)', gw, 'taogate/v1/repl/gw-1/+', false],
      ['governance reads the break-glass feed of every gateway', gov, topics.bgFeedAll, true],
      ['a client reads the break-glass feed', cli, topics.bgFeedAll, false],
      ['a gateway reads its own break-glass feed', gw, topics.bgFeed('gw-1'), false],
      ['the upstream reads break-glass catch-up requests', up, topics.bgSync, true],
      ['a gateway reads break-glass catch-up requests', gw, topics.bgSync, false],
      ['admin reads everything', admin, '#', true],
    ];
    for (const [what, user, filter, allowed] of cases) {
      it(`when ${what}, it is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(maySubscribe(user, filter)).to.equal(allowed);
      });
    }
  });

  it('when retaining, only governance status may be retained (a retained request would replay)', () => {
    expect(mayRetain(gov, topics.govStatus)).to.equal(true);
    expect(mayRetain(cli, topics.govRequest)).to.equal(false);
    expect(mayRetain(admin, topics.govRequest)).to.equal(true);
  });
});
