/**
 * A software TPM 2.0 (swtpm, Debian swtpm) exposed as a PKCS#11 token through
 * libtpm2-pkcs11, for one test run: swtpm on a free loopback port with its
 * state in a temp dir, the tpm2-pkcs11 store initialised with `tpm2_ptool
 * init`, and the token made with C_InitToken / C_InitPIN through the module
 * itself. (`tpm2_ptool addtoken` fails against a bare swtpm without a
 * resource manager: "out of memory for object contexts"; the module flushes
 * its own objects.) The module reads TPM2_PKCS11_TCTI and TPM2_PKCS11_STORE
 * from the environment: start() sets them in process.env, close() restores.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Pkcs11Js from 'pkcs11js';

export const TPM2_PKCS11_MODULE = '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so';

export interface SoftTpm {
  readonly dir: string;
  readonly pinFile: string;
  /** pkcs11:token=LABEL?module-path=...&pin-source=file:PINFILE */
  readonly uri: string;
  readonly env: Record<string, string>;
  /** Flush transient objects (a bare swtpm has no resource manager; a process that died holding objects leaves them). */
  flush(): void;
  close(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Two consecutive free ports: the swtpm TCTI finds the control channel at port + 1. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if ((await portFree(port)) && (await portFree(port + 1))) return port;
  }
  throw new Error('no two consecutive free ports');
}

async function waitForPort(port: number, proc: ChildProcess): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`swtpm exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = require('node:net').connect(port, '127.0.0.1') as import('node:net').Socket;
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`swtpm did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const require = createRequire(import.meta.url);

export async function startSoftTpm(label = 'tpm'): Promise<SoftTpm> {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-swtpm-'));
  const state = join(dir, 'state');
  const store = join(dir, 'store');
  mkdirSync(state);
  mkdirSync(store);
  const port = await freePortPair();
  const ctrl = port + 1;
  const proc = spawn('swtpm', ['socket', '--tpmstate', `dir=${state}`, '--tpm2', '--server', `type=tcp,port=${port},bindaddr=127.0.0.1`, '--ctrl', `type=tcp,port=${ctrl},bindaddr=127.0.0.1`, '--flags', 'not-need-init,startup-clear'], { stdio: 'ignore' });
  const tcti = `swtpm:host=127.0.0.1,port=${port}`;
  const env = { TPM2TOOLS_TCTI: tcti, TPM2_PKCS11_TCTI: tcti, TPM2_PKCS11_STORE: store, TPM2_PKCS11_LOG_LEVEL: '0' };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const close = async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, proc);
    const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: 'pipe', timeout: 120_000 });
    run('tpm2_ptool', ['init', `--path=${store}`]);
    run('tpm2_flushcontext', ['-t']);
    Object.assign(process.env, env);
    const pinFile = join(dir, 'user.pin');
    writeFileSync(pinFile, '4711-taogate\n', { mode: 0o600 });
    chmodSync(pinFile, 0o600);
    initToken(label, '12345678', '4711-taogate');
    return { dir, pinFile, uri: `pkcs11:token=${label}?module-path=${TPM2_PKCS11_MODULE}&pin-source=file:${pinFile}`, env, flush: () => void run('tpm2_flushcontext', ['-t']), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** C_InitToken + C_InitPIN on the module's empty slot, in a library instance of its own (finalized after). */
function initToken(label: string, soPin: string, userPin: string): void {
  const p = require('pkcs11js') as typeof Pkcs11Js;
  const lib = new p.PKCS11();
  lib.load(TPM2_PKCS11_MODULE);
  lib.C_Initialize();
  try {
    const slot = lib.C_GetSlotList(false).find((s) => (lib.C_GetTokenInfo(s).flags & p.CKF_TOKEN_INITIALIZED) === 0);
    if (!slot) throw new Error('tpm2-pkcs11: no empty slot');
    lib.C_InitToken(slot, soPin, label.padEnd(32));
    const so = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
    lib.C_Login(so, p.CKU_SO, soPin);
    lib.C_InitPIN(so, userPin);
    lib.C_Logout(so);
    lib.C_CloseSession(so);
  } finally {
    lib.C_Finalize();
    lib.close();
  }
}
