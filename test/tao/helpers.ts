/** Shared test helpers: the vector files and a VerifyContext built from a vector context. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ed25519Impl } from '../../src/tao/impl.js';
import type { TrustStore } from '../../src/tao/truststore.js';
import type { SyncVerifyContext } from '../../src/tao/verify.js';
import { DEFAULT_CONTEXT, type VectorContext } from '../vectors/cases.js';
import { trustStore } from '../vectors/fixtures.js';

export const VECTOR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');

export function readVector<T = any>(file: string): T {
  return JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf8')) as T;
}

export const IMPLS: readonly Ed25519Impl[] = ['node', 'noble'];

/** A verify context (sync-capable, so it serves verifyTao and verifyTaoSync) from the default vector context plus overrides. */
export function contextFor(impl: Ed25519Impl, over: Partial<VectorContext> = {}, trust: TrustStore = trustStore()): SyncVerifyContext {
  const v = { ...DEFAULT_CONTEXT, ...over };
  const consumed = new Set(v.consumed ?? []);
  return {
    trust,
    nowSeconds: v.now,
    audience: v.audience,
    skewSeconds: v.skew,
    impl,
    ...(v.expect ? { expect: v.expect } : {}),
    ...(v.policyHash ? { policyHash: v.policyHash } : {}),
    ...(v.approvalRule ? { approvalRule: v.approvalRule } : {}),
    ...(v.consumed ? { isConsumed: (jti: string) => consumed.has(jti) } : {}),
  };
}
