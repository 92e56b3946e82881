export { startConsole, type ApproverConsole, type ConsoleOptions } from './console.js';
export type { ConsoleSources, TrendSeriesSource } from './sources.js';
export type { ReceiptRow } from './receipts.js';
export type { ChainStatus, VerifyResult } from './chain.js';
export { openLedgerRecords } from './chain.js';
