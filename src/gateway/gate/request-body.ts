/** The request fields every receipt about a write carries (intent, outcome, denied). */
import type { Json } from '../../crypto/canonical.js';
import type { WriteRequest } from './types.js';

export function requestBody(req: WriteRequest): { [k: string]: Json } {
  return {
    request: req.id,
    protocol: req.protocol,
    source: req.source,
    actor: req.actor,
    op: req.op,
    target: req.target,
    value: req.value,
    ...(req.args ? { args: [...req.args] } : {}),
  };
}
