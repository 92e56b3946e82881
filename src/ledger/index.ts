export * from './types.js';
export * from './receipt.js';
export { checkReceiptShape } from './shape.js';
export * from './ledger.js';
export { LedgerOpenError } from './level.js';
export type { StagedTao } from './reader.js';
export * from './sources.js';
export * from './verify.js';
export * from './export.js';
