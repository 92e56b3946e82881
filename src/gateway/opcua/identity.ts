/**
 * Who a session is, from the profile's actors:
 *   - user name + password: `opcua.username` with `password_hash` (scrypt) or,
 *     in demo profiles, a plain `password` (src/policy/password.ts);
 *   - X.509 user certificate: `opcua.certificate_thumbprint`, the SHA-1 of
 *     the DER. node-opcua checks the proof of possession (the token
 *     signature over the server nonce); the profile is the trust list: a
 *     certificate whose thumbprint no actor holds is rejected at
 *     ActivateSession (BadIdentityTokenRejected);
 *   - anonymous: no actor. It may read and subscribe; the gate refuses its
 *     writes (unknown_actor -> BadUserAccessDenied).
 * Passwords are never logged.
 */
import { createHash } from 'node:crypto';
import type { ISessionContext } from 'node-opcua';
import type * as NodeOpcua from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';
import type { ActorPolicy, Profile } from '../../policy/types.js';
import { identityAcceptsAsync } from '../../policy/password.js';
import type { GateLogger } from '../gate/ports.js';

const { AnonymousIdentityToken, OPCUACertificateManager, StatusCodes, UserNameIdentityToken, X509IdentityToken } = nodeOpcua;
type OPCUACertificateManager = NodeOpcua.OPCUACertificateManager;
type X509IdentityToken = NodeOpcua.X509IdentityToken;

export function sha1Thumbprint(der: Buffer): string {
  return createHash('sha1').update(der).digest('hex');
}

export class ActorDirectory {
  private readonly byUser = new Map<string, ActorPolicy>();
  private readonly byThumbprint = new Map<string, ActorPolicy>();

  constructor(profile: Profile) {
    for (const actor of profile.actors.values()) {
      if (actor.opcua?.username) this.byUser.set(actor.opcua.username, actor);
      if (actor.opcua?.certificateThumbprint) this.byThumbprint.set(actor.opcua.certificateThumbprint.toLowerCase().replace(/:/g, ''), actor);
    }
  }

  /** node-opcua userManager.isValidUser: the password check of ActivateSession. */
  checkPassword(username: string, password: string): Promise<boolean> {
    const actor = this.byUser.get(username);
    // scrypt on the thread pool: a login never stalls writes in flight
    return actor?.opcua !== undefined ? identityAcceptsAsync(actor.opcua, password) : Promise.resolve(false);
  }

  hasThumbprint(thumbprint: string): boolean {
    return this.byThumbprint.has(thumbprint);
  }

  /** The profile actor of a session, or null (anonymous, or nobody we know). */
  actorOf(context: ISessionContext | null | undefined): string | null {
    const token = (context?.session as { userIdentityToken?: unknown } | undefined)?.userIdentityToken;
    if (!token || token instanceof AnonymousIdentityToken) return null;
    if (token instanceof UserNameIdentityToken) return token.userName ? (this.byUser.get(token.userName)?.id ?? null) : null;
    if (token instanceof X509IdentityToken) {
      const der = certificateOf(token);
      return der ? (this.byThumbprint.get(sha1Thumbprint(der))?.id ?? null) : null;
    }
    return null;
  }
}

/** A stable source string for receipts: the session id (and its name). */
export function sessionSource(context: ISessionContext | null | undefined): string {
  const session = context?.session as { getSessionId?: () => { toString(): string }; sessionName?: string } | undefined;
  const id = session?.getSessionId?.().toString() ?? 'no-session';
  return session?.sessionName ? `${id} (${session.sessionName.slice(0, 64)})` : id;
}

function certificateOf(token: X509IdentityToken): Buffer | undefined {
  const data = token.certificateData as unknown as Buffer | Buffer[] | null;
  if (!data) return undefined;
  return leafCertificate(Array.isArray(data) ? data[0] : data);
}

/** The first DER certificate of a chain (certificateData may hold leaf + issuers, concatenated). */
export function leafCertificate(der: Buffer | undefined): Buffer | undefined {
  if (!der || der.length < 2 || der[0] !== 0x30) return der;
  const first = der[1]!;
  if (first < 0x80) return der.subarray(0, 2 + first);
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return der;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return der.subarray(0, Math.min(der.length, 2 + n + len));
}

type StatusCallback = (err: Error | null, status?: import('node-opcua').StatusCode) => void;

/**
 * A user certificate manager that trusts exactly the certificates whose
 * thumbprint an actor holds, and otherwise applies node-opcua's checks
 * (validity period, key usage). Its folder only records what was seen.
 */
export function profileUserCertificates(directory: ActorDirectory, rootFolder: string, log: GateLogger): OPCUACertificateManager {
  const manager = new OPCUACertificateManager({ rootFolder, automaticallyAcceptUnknownCertificate: true });
  const original = manager.checkCertificate.bind(manager) as (chain: Buffer | Buffer[], cb: StatusCallback) => void;
  const check = (chain: Buffer | Buffer[], cb: StatusCallback): void => {
    const leaf = leafCertificate(Array.isArray(chain) ? chain[0] : chain);
    const thumbprint = leaf ? sha1Thumbprint(leaf) : '';
    if (!directory.hasThumbprint(thumbprint)) {
      log.warn({ thumbprint }, 'OPC UA user certificate refused: no actor holds this thumbprint');
      cb(null, StatusCodes.BadCertificateUntrusted);
      return;
    }
    original(chain, cb);
  };
  (manager as unknown as { checkCertificate: unknown }).checkCertificate = (chain: Buffer | Buffer[], cb?: StatusCallback) => {
    if (cb) return check(chain, cb);
    return new Promise((resolve, reject) => check(chain, (err, status) => (err ? reject(err) : resolve(status))));
  };
  return manager;
}
