import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ACL_RULES, MQTT_ERROR_CODES } from '../../src/mqtt/index.js';

const doc = readFileSync(new URL('../../docs/mqtt.md', import.meta.url), 'utf8');

describe('mqtt docs (docs/mqtt.md) agree with the code', () => {
  it('when an error code exists, docs/mqtt.md lists it, and lists no other', () => {
    const documented = [...doc.matchAll(/^\| `([a-z_]+)` \| `\w+Error` \|/gm)].map((m) => m[1]);
    expect(documented).to.have.members([...MQTT_ERROR_CODES]);
  });

  it('when an ACL rule exists, the docs table shows it with the same roles', () => {
    const rows = new Set([...doc.matchAll(/^\| (publish|subscribe) \| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]!.trim()}`));
    const rules = ACL_RULES.map((r) => `${r.action} ${r.pattern} ${r.roles.join(', ')}`);
    expect([...rows]).to.have.members(rules);
  });
});
