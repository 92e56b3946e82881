export * from './envelope.js';
export * from './payload.js';
export * from './approval.js';
export * from './truststore.js';
export * from './verify.js';
export * from '../refusal/codes.js';
export * from './signed.js';
export type { Ed25519Impl } from './impl.js';
export { MAX_REASON_CHARS } from './shape.js';
