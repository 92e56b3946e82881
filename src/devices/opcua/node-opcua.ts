/**
 * node-opcua, loaded with require() rather than an ES module import.
 *
 * Node 20's ESM loader, asked to import a CommonJS package, first scans its
 * source with cjs-module-lexer to find the named exports, and follows every
 * re-export: for node-opcua's umbrella that is hundreds of modules, scanned
 * before any of them runs. Measured on the deployment VM (docs/performance.md,
 * "Start-up"): CPU to load node-opcua 1.04-1.12 s with require(), 1.58-1.82 s
 * with import(). Every process with an OPC UA part (the gateway with an OPC UA
 * front or PLC, `sim opcua`, `taogate demo`, `profile import opcua`) pays it
 * at start.
 *
 * Modules take their values from here (`const { Variant } = nodeOpcua;`) and
 * their types from `import type ... from 'node-opcua'`; a class or enum used
 * both ways gets a local alias (`type Variant = NodeOpcua.Variant;`).
 */
import { createRequire } from 'node:module';
import type * as NodeOpcua from 'node-opcua';

export const nodeOpcua: typeof NodeOpcua = createRequire(import.meta.url)('node-opcua') as typeof NodeOpcua;
