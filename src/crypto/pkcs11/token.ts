/**
 * An open, logged-in session on a PKCS#11 token. One library load and one
 * session per token per process, shared by every key of that token: pkcs11js
 * calls are synchronous, so a C_SignInit/C_Sign pair never interleaves with
 * another one in the same process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Pkcs11Js from 'pkcs11js';
import type { Pkcs11Uri } from './uri.js';

const require = createRequire(import.meta.url);

/** Where SoftHSM 2 lives on Debian; the default module when neither the URI nor the environment names one. */
export const DEFAULT_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface Pkcs11Options {
  /** Module (shared library) path when the URI has no module-path. Else TAOGATE_PKCS11_MODULE, else DEFAULT_MODULE. */
  readonly module?: string;
}

export interface Token {
  readonly lib: Pkcs11Js.PKCS11;
  readonly api: typeof Pkcs11Js;
  readonly session: Buffer;
  readonly label: string;
  readonly modulePath: string;
}

const libraries = new Map<string, Pkcs11Js.PKCS11>();
const tokens = new Map<string, Token>();

function api(): typeof Pkcs11Js {
  return require('pkcs11js') as typeof Pkcs11Js;
}

export function modulePathOf(uri: Pkcs11Uri, opts: Pkcs11Options = {}): string {
  return uri.modulePath ?? opts.module ?? process.env.TAOGATE_PKCS11_MODULE ?? DEFAULT_MODULE;
}

/** The user PIN: the URI's pin-source file (first line), else TAOGATE_PKCS11_PIN. */
export function pinOf(uri: Pkcs11Uri): string {
  if (uri.pinSource !== undefined) {
    const file = uri.pinSource.startsWith('file:') ? uri.pinSource.slice('file:'.length) : uri.pinSource;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`PKCS#11 pin-source ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const pin = text.split(/\r?\n/)[0] ?? '';
    if (pin === '') throw new Error(`PKCS#11 pin-source ${file}: empty`);
    return pin;
  }
  const env = process.env.TAOGATE_PKCS11_PIN;
  if (env) return env;
  throw new Error('PKCS#11: no PIN (add pin-source=file:PATH to the URI or set TAOGATE_PKCS11_PIN)');
}

function library(path: string): Pkcs11Js.PKCS11 {
  let lib = libraries.get(path);
  if (lib) return lib;
  const p = api();
  lib = new p.PKCS11();
  try {
    lib.load(path);
    lib.C_Initialize();
  } catch (err) {
    throw new Error(`PKCS#11 module ${path}: ${(err as Error).message}`);
  }
  // Log out and finalize at exit: a TPM without a resource manager keeps a dead process's objects loaded.
  if (libraries.size === 0) process.once('exit', closePkcs11);
  libraries.set(path, lib);
  return lib;
}

/** Open (or reuse) a logged-in read-write session on the token the URI names. */
export function openToken(uri: Pkcs11Uri, opts: Pkcs11Options = {}): Token {
  const modulePath = modulePathOf(uri, opts);
  const key = `${modulePath}\0${uri.token ?? ''}\0${uri.slotId ?? ''}`;
  const cached = tokens.get(key);
  if (cached) return cached;
  const p = api();
  const lib = library(modulePath);
  const slots = lib.C_GetSlotList(true);
  const match = slots.filter((slot) => {
    if (uri.slotId !== undefined && slot.readUInt32LE(0) !== uri.slotId) return false;
    return uri.token === undefined || lib.C_GetTokenInfo(slot).label.trimEnd() === uri.token;
  });
  if (match.length === 0) throw new Error(`PKCS#11 module ${modulePath}: no token ${uri.token !== undefined ? `labelled "${uri.token}"` : ''}${uri.slotId !== undefined ? ` in slot ${uri.slotId}` : ''}`);
  if (match.length > 1) throw new Error(`PKCS#11 module ${modulePath}: ${match.length} tokens match; name one with token= or slot-id=`);
  const slot = match[0] as Buffer;
  const label = lib.C_GetTokenInfo(slot).label.trimEnd();
  const session = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
  try {
    lib.C_Login(session, p.CKU_USER, pinOf(uri));
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code !== p.CKR_USER_ALREADY_LOGGED_IN) {
      lib.C_CloseSession(session);
      throw new Error(`PKCS#11 token "${label}": login failed (${(err as Error).message})`);
    }
  }
  const token: Token = { lib, api: p, session, label, modulePath };
  tokens.set(key, token);
  return token;
}

/** Log out, close every session and unload every module (tests, and a clean shutdown). */
export function closePkcs11(): void {
  for (const t of tokens.values()) {
    try {
      t.lib.C_Logout(t.session);
    } catch {
      /* already logged out */
    }
    try {
      t.lib.C_CloseSession(t.session);
    } catch {
      /* closed */
    }
  }
  tokens.clear();
  for (const lib of libraries.values()) {
    try {
      lib.C_Finalize();
      lib.close();
    } catch {
      /* unloaded */
    }
  }
  libraries.clear();
}
