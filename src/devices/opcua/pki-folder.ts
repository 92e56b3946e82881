/**
 * A node-opcua PKI folder, read and changed with plain file operations (no
 * node-opcua import, so `taogate pki` is fast):
 *
 *   PKI/own/certs/          this application's certificate
 *   PKI/trusted/certs/      peers it trusts
 *   PKI/rejected/           peers that presented an unknown certificate
 *                           (node-opcua writes them here: "<CN>[<sha1>].pem")
 *   PKI/issuers/certs/      CA certificates
 *
 * node-opcua watches trusted/ and rejected/, so a certificate moved here is
 * honoured by a running gateway at its next connection attempt.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export type CertificateStore = 'trusted' | 'rejected' | 'issuers' | 'own';

export const STORE_FOLDERS: Readonly<Record<CertificateStore, string>> = {
  trusted: join('trusted', 'certs'),
  rejected: 'rejected',
  issuers: join('issuers', 'certs'),
  own: join('own', 'certs'),
};

export interface CertificateEntry {
  readonly store: CertificateStore;
  readonly file: string;
  /** SHA-1 over the DER, lower-case hex (what OPC UA calls the thumbprint). */
  readonly thumbprint: string;
  readonly subject: string;
  /** The applicationUri (URI subject alternative name), when present. */
  readonly applicationUri: string;
  readonly notAfter: string;
  readonly modifiedMs: number;
}

const CERT_FILE = /\.(pem|der|crt|cer)$/i;

/** The DER of a certificate file (PEM or DER). */
export function readCertificateDer(file: string): Buffer {
  const raw = readFileSync(file);
  const text = raw.toString('latin1');
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(text);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : raw;
}

export function thumbprintOf(der: Buffer): string {
  return createHash('sha1').update(der).digest('hex');
}

function entry(store: CertificateStore, file: string): CertificateEntry | undefined {
  try {
    const der = readCertificateDer(file);
    const x = new X509Certificate(der);
    const uri = /URI:([^,\s]+)/.exec(x.subjectAltName ?? '')?.[1] ?? '';
    return { store, file, thumbprint: thumbprintOf(der), subject: x.subject.replace(/\n/g, ', '), applicationUri: uri, notAfter: new Date(x.validTo).toISOString(), modifiedMs: statSync(file).mtimeMs };
  } catch {
    return undefined; // not a certificate (a CRL, a stray file): not listed
  }
}

/** Every certificate in the given stores of a PKI folder, oldest first per store. */
export function listCertificates(pkiDir: string, stores: readonly CertificateStore[] = ['trusted', 'rejected']): CertificateEntry[] {
  const out: CertificateEntry[] = [];
  for (const store of stores) {
    const dir = join(pkiDir, STORE_FOLDERS[store]);
    if (!existsSync(dir)) continue;
    const found = readdirSync(dir)
      .filter((f) => CERT_FILE.test(f))
      .map((f) => entry(store, join(dir, f)))
      .filter((e): e is CertificateEntry => e !== undefined)
      .sort((a, b) => a.modifiedMs - b.modifiedMs);
    out.push(...found);
  }
  return out;
}

/**
 * Finds one certificate by thumbprint (or a unique prefix of at least 8 hex
 * digits), by file name, or by file path, in the given stores.
 */
export function findCertificate(pkiDir: string, what: string, stores: readonly CertificateStore[]): CertificateEntry {
  const all = listCertificates(pkiDir, stores);
  const key = what.toLowerCase().replace(/:/g, '');
  const hits = all.filter((e) => e.file === what || basename(e.file) === what || (/^[0-9a-f]{8,40}$/.test(key) && e.thumbprint.startsWith(key)));
  if (hits.length === 1) return hits[0]!;
  const where = stores.map((s) => join(pkiDir, STORE_FOLDERS[s])).join(' or ');
  if (hits.length === 0) throw new Error(`no certificate '${what}' in ${where}`);
  throw new Error(`'${what}' matches ${hits.length} certificates in ${where}; give more of the thumbprint`);
}

/** Moves a certificate into `to` (trusted or rejected); returns the new path. */
export function moveCertificate(pkiDir: string, cert: CertificateEntry, to: 'trusted' | 'rejected'): string {
  const dir = join(pkiDir, STORE_FOLDERS[to]);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, basename(cert.file));
  renameSync(cert.file, target);
  return target;
}

/** Copies a certificate file (PEM or DER) into the trusted store (how the demo arranges trust). */
export function addTrustedCertificate(pkiDir: string, certFile: string): string {
  const der = readCertificateDer(certFile);
  const dir = join(pkiDir, STORE_FOLDERS.trusted);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${thumbprintOf(der)}.der`);
  if (!existsSync(target)) writeFileSync(target, der);
  return target;
}

/** The certificate most recently written to rejected/ (what a failed connection just left there). */
export function newestRejected(pkiDir: string): CertificateEntry | undefined {
  const rejected = listCertificates(pkiDir, ['rejected']);
  return rejected[rejected.length - 1];
}
