/**
 * TLS material for the control plane: a private CA and client certificate
 * for clients (`--mqtt-ca/--mqtt-cert/--mqtt-key`), a server certificate
 * for the bundled broker (`--tls-cert/--tls-key`, `--tls-ca` to require
 * client certificates). Files are read and checked at once, so a bad
 * certificate fails at start naming the file and why, not after a connect
 * timeout.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Paths as given on the command line or in the environment. */
export interface TlsFiles {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** Loaded PEM material (what node:tls takes), with the files it came from for error messages. */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly files: TlsFiles;
}

export class TlsConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'TlsConfigError';
  }
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TlsConfigError(file, `cannot read the ${what} (${e.code ?? e.message})`);
  }
}

/** Every certificate in a PEM bundle; throws when there is none or one does not parse. */
function certificates(file: string, pem: Buffer, what: string): X509Certificate[] {
  const blocks = pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TlsConfigError(file, `not a PEM ${what} (no BEGIN CERTIFICATE block)`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new TlsConfigError(file, `the ${what} does not parse (${(err as Error).message})`);
    }
  });
}

function checkValidity(file: string, cert: X509Certificate, what: string, now: Date): void {
  if (new Date(cert.validTo) < now) throw new TlsConfigError(file, `the ${what} expired on ${cert.validTo} (subject ${cert.subject.replace(/\n/g, ', ')})`);
  if (new Date(cert.validFrom) > now) throw new TlsConfigError(file, `the ${what} is not valid before ${cert.validFrom}`);
}

function privateKey(file: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new TlsConfigError(file, `not a readable PEM private key (${(err as Error).message})`);
  }
}

/**
 * Reads and checks TLS files: each readable and PEM, certificates in their
 * validity window, the key belongs to the certificate, the certificate and
 * key come together. Returns undefined when no file is given.
 */
export function loadTls(files: TlsFiles, now = new Date()): TlsMaterial | undefined {
  if (!files.ca && !files.cert && !files.key) return undefined;
  if (Boolean(files.cert) !== Boolean(files.key)) {
    const given = (files.cert ?? files.key)!;
    throw new TlsConfigError(given, files.cert ? 'a certificate needs its private key too' : 'a private key needs its certificate too');
  }
  let ca: Buffer | undefined;
  if (files.ca) {
    ca = read(files.ca, 'CA certificate');
    for (const c of certificates(files.ca, ca, 'CA certificate')) checkValidity(files.ca, c, 'CA certificate', now);
  }
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  if (files.cert && files.key) {
    cert = read(files.cert, 'certificate');
    key = read(files.key, 'private key');
    const [leaf] = certificates(files.cert, cert, 'certificate');
    checkValidity(files.cert, leaf!, 'certificate', now);
    const k = privateKey(files.key, key);
    if (!leaf!.checkPrivateKey(k)) throw new TlsConfigError(files.key, `this private key does not belong to the certificate ${files.cert}`);
    if (ca && files.ca) {
      const issuers = certificates(files.ca, ca, 'CA certificate');
      if (!issuers.some((i) => leaf!.checkIssued(i) && leaf!.verify(i.publicKey))) {
        throw new TlsConfigError(files.cert, `not issued by the CA in ${files.ca}`);
      }
    }
  }
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), files };
}

/** OpenSSL verification codes that mean "wrong CA / bad peer certificate" rather than "broker not there". */
const CERT_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A TLS handshake error explained with the file to look at; undefined for
 * other errors (refused, reset, DNS: the broker is simply not there).
 */
export function explainTlsError(err: Error & { code?: unknown }, tls: TlsMaterial | undefined): string | undefined {
  const code = typeof err.code === 'string' ? err.code : '';
  const caFile = tls?.files.ca ?? 'the system CA store (no --mqtt-ca)';
  if (CERT_ERRORS.has(code)) return `the broker's certificate was refused (${code}: ${err.message}); check ${caFile}`;
  // The server refused our client certificate (or wanted one): OpenSSL alerts surface as ERR_SSL_* codes.
  if (/^ERR_SSL_/.test(code) || /alert|certificate required|handshake failure/i.test(err.message)) {
    const certFile = tls?.files.cert ?? 'no --mqtt-cert given';
    return `the broker refused the TLS handshake (${code || 'alert'}: ${err.message}); check the client certificate (${certFile}) and that the broker trusts its CA`;
  }
  return undefined;
}
