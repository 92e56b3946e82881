/**
 * Where things live in a data dir (docs/interface.md): DIR/keys, DIR/gateway (the
 * gateway's ledger), DIR/upstream (the upstream's copy). `--data DIR` of a
 * demo is accepted wherever a ledger dir or the keys are needed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface DataPaths {
  readonly root: string;
  readonly keys: string;
  readonly gatewayLedger: string;
  readonly upstreamLedger: string;
  readonly historianCursor: string;
}

export function dataPaths(dir: string): DataPaths {
  const root = resolve(dir);
  return {
    root,
    keys: join(root, 'keys'),
    gatewayLedger: join(root, 'gateway'),
    upstreamLedger: join(root, 'upstream'),
    historianCursor: join(root, 'historian'),
  };
}

export interface KeyPaths {
  readonly dir: string;
  readonly governance: string;
  readonly gateway: string;
  readonly upstream: string;
  readonly trust: string;
  readonly mqttUsers: string;
  approver(name: string): string;
  actor(name: string): string;
  mqttSecret(user: string): string;
}

export function keyPaths(dir: string): KeyPaths {
  const d = resolve(dir);
  return {
    dir: d,
    governance: join(d, 'governance.jwk'),
    gateway: join(d, 'gateway.jwk'),
    upstream: join(d, 'upstream.jwk'),
    trust: join(d, 'trust.json'),
    mqttUsers: join(d, 'mqtt-users.json'),
    approver: (name) => join(d, 'approvers', `${name}.jwk`),
    actor: (name) => join(d, 'actors', `${name}.jwk`),
    mqttSecret: (user) => join(d, 'mqtt', `${user}.secret`),
  };
}

/**
 * A ledger dir from `--data`: the demo's DIR/gateway when DIR is a demo data
 * dir, else DIR itself (a gateway or upstream ledger).
 */
export function ledgerDir(dir: string): string {
  const root = resolve(dir);
  if (existsSync(join(root, 'gateway')) && !existsSync(join(root, 'CURRENT'))) return join(root, 'gateway');
  // An upstream dir (DIR/upstream) holds one copy per gateway: with exactly one, that copy.
  if (existsSync(root) && !existsSync(join(root, 'CURRENT'))) {
    const copies = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'CURRENT')));
    if (copies.length === 1) return join(root, (copies[0] as { name: string }).name);
  }
  return root;
}

/** Keys dir from `--keys` or `--data` (demo layout), defaulting to ./data/keys. */
export function keysDir(opts: { keys?: string; data?: string }): string {
  if (opts.keys) return resolve(opts.keys);
  return dataPaths(opts.data ?? './data').keys;
}
