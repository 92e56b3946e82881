/**
 * node-opcua prints its warnings with console.log, i.e. on STDOUT, which is
 * reserved for results and the demo's single READY line. This module, imported
 * first by the CLI, sends node-opcua's warnings and errors to stderr instead
 * (debug and trace output is dropped unless TAOGATE_OPCUA_DEBUG is set).
 */
import { format } from 'node:util';
import { setDebugLogger, setErrorLogger, setTraceLogger, setWarningLogger } from 'node-opcua-debug';

type Ctx = { filename?: string };

/**
 * verify_pcks1 warns (W27) at import time that Node 20 needs a flag for RSA
 * PKCS#1 v1.5; taogate never offers Basic128Rsa15 or Basic256 (the only
 * policies that use it), so that warning is dropped.
 */
const DROPPED_SOURCES = new Set(['verify_pcks1']);

const toStderr =
  (level: string) =>
  (ctx: unknown, ...args: unknown[]): void => {
    if (DROPPED_SOURCES.has((ctx as Ctx | undefined)?.filename ?? '')) return;
    process.stderr.write(`node-opcua ${level} ${(ctx as Ctx | undefined)?.filename ?? "?"}: ${format(...args)}\n`);
  };

setWarningLogger(toStderr('warn'));
setErrorLogger(toStderr('error'));
if (process.env.TAOGATE_OPCUA_DEBUG) {
  setDebugLogger(toStderr('debug'));
  setTraceLogger(toStderr('trace'));
} else {
  setDebugLogger(() => {});
  setTraceLogger(() => {});
}
