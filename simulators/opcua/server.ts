/**
 * startOpcuaSim: the OPC UA reactor PLC.
 *
 * Security: open by default (SecurityPolicy None, anonymous sessions: a lab
 * PLC), or hardened with `security` (see security.ts): Basic256Sha256 and
 * stronger with Sign / SignAndEncrypt, user login only, and only trusted
 * client certificates, as a PLC with its security switched on. The TCP listener binds
 * to `host` only (node-opcua's `host` option is passed to net.Server#listen;
 * without it node-opcua listens on :: / 0.0.0.0). `hostname` is what the
 * endpoint URLs advertise and is set to the same address.
 */
import { join } from 'node:path';
import { nodeOpcua } from '../../src/devices/opcua/node-opcua.js';
import { buildReactor } from './address-space.js';
import { findFreePort } from './free-port.js';
import { initialReactorState, stepReactor, type ReactorState } from './model.js';
import { defaultPkiDir, withPkiLock } from './pki.js';
import { serverSecurity, trustClientCertificates } from './security.js';
import { SimLog } from './sim-log.js';
import { findTag } from './tags.js';
import type { OpcuaSim, OpcuaSimOptions, ReactorTag, TagValue } from './types.js';

const { OPCUACertificateManager, OPCUAServer } = nodeOpcua;

interface ResolvedOptions {
  host: string;
  port: number;
  pkiDir: string;
  logFile: string | undefined;
  tickMs: number;
  security: OpcuaSimOptions['security'];
}

function resolveOptions(options: OpcuaSimOptions): ResolvedOptions {
  const tickMs = options.tickMs ?? 100;
  if (!(tickMs > 0)) throw new Error(`opcua sim: tickMs must be > 0, got ${tickMs}`);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`opcua sim: bad port ${port}`);
  return {
    host: options.host ?? '127.0.0.1',
    port,
    pkiDir: options.pkiDir ?? defaultPkiDir(),
    logFile: options.logFile,
    tickMs,
    security: options.security,
  };
}

const PORT_ATTEMPTS = 3;

export async function startOpcuaSim(options: OpcuaSimOptions = {}): Promise<OpcuaSim> {
  const opts = resolveOptions(options);
  const state = initialReactorState();
  const log = new SimLog(opts.logFile);
  try {
    for (let attempt = 1; ; attempt++) {
      const port = opts.port === 0 ? await findFreePort(opts.host) : opts.port;
      try {
        return await withPkiLock(opts.pkiDir, () => startOn(opts, port, state, log));
      } catch (err) {
        // Another process may take the probed port before node-opcua binds it.
        if (opts.port !== 0 || attempt >= PORT_ATTEMPTS || !isAddrInUse(err)) throw err;
      }
    }
  } catch (err) {
    log.close();
    throw err;
  }
}

function isAddrInUse(err: unknown): boolean {
  return err instanceof Error && /EADDRINUSE/.test(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`);
}

async function startOn(opts: ResolvedOptions, port: number, state: ReactorState, log: SimLog): Promise<OpcuaSim> {
  const serverPki = join(opts.pkiDir, 'server');
  if (opts.security?.trustedClientCertificates) trustClientCertificates(serverPki, opts.security.trustedClientCertificates);
  const server = new OPCUAServer({
    host: opts.host,
    hostname: opts.host,
    port,
    ...serverSecurity(opts.security),
    isAuditing: false,
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: serverPki,
      // open: any client; hardened: only certificates in PKI/server/trusted/certs
      automaticallyAcceptUnknownCertificate: opts.security === undefined,
    }),
    // Without this node-opcua creates $HOME/.config/node-opcua-default/UserPKI.
    userCertificateManager: new OPCUACertificateManager({ rootFolder: join(opts.pkiDir, 'user') }),
    buildInfo: { productName: 'taogate reactor PLC simulator', manufacturerName: 'taogate' },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('opcua sim: server has no address space after initialize()');
    const nodes = buildReactor(addressSpace, state, log);
    await server.start();

    let last = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      stepReactor(state, (now - last) / 1000);
      last = now;
      nodes.publish();
    }, opts.tickMs);
    timer.unref();
  } catch (err) {
    if (timer) clearInterval(timer);
    await server.shutdown(0).catch(() => undefined);
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    endpoint: `opc.tcp://${opts.host}:${port}`,
    port,
    certificateFile: join(serverPki, 'own', 'certs', 'certificate.pem'),
    close: () => {
      closing ??= (async () => {
        clearInterval(timer);
        try {
          await server.shutdown(0);
        } finally {
          log.close();
        }
      })();
      return closing;
    },
    writes: () => log.writes(),
    calls: () => log.calls(),
    value: (tag: ReactorTag): TagValue => {
      const spec = findTag(tag);
      if (!spec) throw new Error(`opcua sim: unknown tag ${String(tag)}`);
      return spec.read(state);
    },
  };
}
