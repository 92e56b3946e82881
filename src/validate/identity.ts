/** The installation's identity for the report: gateway, profile and policy hash, keys, software, ledger head and checkpoint. */
import { existsSync } from 'node:fs';
import type { Receipt } from '../ledger/index.js';
import { cosigName, SIDE_PREFIX } from '../ledger/keys.js';
import { openLevel } from '../ledger/level.js';
import type { ValidateContext } from './context.js';
import { withLedgerCopy } from './ledger-copy.js';
import { manifestDigest, packageInfo, readManifest } from './manifest.js';
import type { Installation } from './report.js';

export async function installationOf(ctx: ValidateContext, receipts: readonly Receipt[]): Promise<Installation> {
  const o = ctx.o;
  const pkg = packageInfo(o.packageRoot);
  let digest: string | null = null;
  if (o.manifestPath && existsSync(o.manifestPath)) {
    try {
      digest = manifestDigest(readManifest(o.manifestPath));
    } catch {
      digest = null;
    }
  }
  const head = receipts.at(-1);
  const cp = [...receipts].reverse().find((r) => r.kind === 'checkpoint');
  const cpBody = (cp?.body ?? {}) as Record<string, unknown>;
  const t = o.target;
  return {
    gatewayId: ctx.gatewayId,
    site: o.profile.gateway.site,
    profile: { path: o.profilePath, policyHash: o.profile.policyHash },
    keys: o.trust.keys().map((k) => ({ name: k.name, role: k.role, kid: k.kid })),
    software: { name: pkg.name, version: pkg.version, node: process.version, manifestDigest: digest },
    ledger: {
      count: receipts.length,
      headSeq: head?.seq ?? -1,
      head: head?.hash ?? '',
      checkpoint: cp ? { seq: cp.seq, size: Number(cpBody.size ?? 0), root: String(cpBody.root ?? ''), cosigned: await cosigned(o.upstreamLedger, Number(cpBody.size ?? 0)) } : null,
    },
    addresses: { mqtt: t.mqtt, modbus: t.modbus, ...(t.opcua ? { opcua: t.opcua } : {}), http: t.http, data: t.data },
  };
}

/** Whether the upstream's copy holds its cosignature of the checkpoint of this size (null: no upstream copy here). */
async function cosigned(upstreamLedger: string | undefined, size: number): Promise<boolean | null> {
  if (!upstreamLedger || !existsSync(upstreamLedger)) return null;
  try {
    return await withLedgerCopy(upstreamLedger, async (copy) => {
      const db = await openLevel(copy.dir, { create: false });
      try {
        return ((await db.get(SIDE_PREFIX + cosigName(size))) as string | undefined) !== undefined;
      } finally {
        await db.close();
      }
    });
  } catch {
    return null;
  }
}
