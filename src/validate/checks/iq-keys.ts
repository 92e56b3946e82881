/** IQ-03: the installation's private keys and secrets are present, readable by their owner only, and match the trust store. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readKeyRef } from '../../crypto/key-ref.js';
import { readPrivateKeyFile } from '../../crypto/keyfile.js';
import { validAt } from '../../tao/truststore.js';
import type { Check } from '../types.js';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function isPrivate(path: string): boolean {
  if (path.endsWith('.secret')) return true;
  if (!path.endsWith('.jwk')) return false;
  try {
    return typeof (JSON.parse(readFileSync(path, 'utf8')) as { d?: unknown }).d === 'string';
  } catch {
    return true; // unreadable as JSON: treat as secret material, its mode still counts
  }
}

export const iqKeys: Check = {
  id: 'IQ-03',
  phase: 'IQ',
  title: 'Keys present with the right modes',
  async run(ctx) {
    const dir = ctx.o.keysDir;
    const all = files(dir);
    const secret = all.filter(isPrivate);
    const problems: string[] = [];
    const kids: string[] = [];
    for (const f of secret) {
      const mode = statSync(f).mode & 0o777;
      if ((mode & 0o077) !== 0) problems.push(`${relative(dir, f)} has mode ${mode.toString(8)} (expected 600)`);
      if (!f.endsWith('.jwk') || (mode & 0o077) !== 0) continue;
      try {
        const key = readPrivateKeyFile(f);
        const trusted = ctx.o.trust.get(key.signer.keyId);
        if (!trusted) problems.push(`${relative(dir, f)}: key ${key.signer.keyId} is not in the trust store`);
        else if (trusted.role !== key.role || trusted.name !== key.name) problems.push(`${relative(dir, f)}: trust store says ${trusted.name}/${trusted.role}, the file says ${key.name}/${key.role}`);
        kids.push(`${key.name}/${key.role}=${key.signer.keyId}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    // A key in a PKCS#11 token (a TPM's ES256 key) has a public reference file instead of a key file.
    for (const f of all.filter((p) => p.endsWith('.pkcs11.json'))) {
      try {
        const ref = readKeyRef(f);
        const trusted = ctx.o.trust.get(ref.kid);
        if (!trusted) problems.push(`${relative(dir, f)}: key ${ref.kid} is not in the trust store`);
        else if (trusted.role !== ref.role || trusted.name !== ref.name) problems.push(`${relative(dir, f)}: trust store says ${trusted.name}/${trusted.role}, the reference says ${ref.name}/${ref.role}`);
        kids.push(`${ref.name}/${ref.role}=${ref.kid}`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    // The gateway's key is the one of its keys (by kid: after `keys rotate` the trust store holds the
    // old one too, ended) whose private half is here, valid now.
    const now = Math.floor(Date.now() / 1000);
    const gateways = ctx.o.trust.keys().filter((k) => k.role === 'gateway' && k.name === ctx.gatewayId);
    const held = gateways.filter((g) => kids.some((k) => k.endsWith(`=${g.kid}`)));
    const gw = held.find((g) => validAt(g, now));
    if (gateways.length === 0) problems.push(`no gateway key named ${ctx.gatewayId} in the trust store`);
    else if (held.length === 0) problems.push(`the gateway's private key (${gateways.map((g) => g.kid).join(' or ')}) is not in ${dir}`);
    else if (!gw) problems.push(`the gateway's private key in ${dir} (${held.map((g) => g.kid).join(', ')}) is not valid now in the trust store`);
    return {
      ok: problems.length === 0,
      done: [`listed ${all.length} files in ${dir}`, `checked the mode of ${secret.length} private key and secret files`, 'loaded every private key, checked its public half and found it in the trust store under the same name and role'],
      expected: 'every private key and secret is mode 600, loads, and is in the trust store; the gateway key is present',
      observed: problems.length ? problems.slice(0, 8).join('; ') : `${secret.length} private files, all mode 600; ${kids.length} keys match the trust store`,
      evidence: { keysDir: dir, privateFiles: secret.length, keys: kids.join(' '), gatewayKid: gw?.kid ?? null, gatewayAlg: gw?.alg ?? null },
    };
  },
};
