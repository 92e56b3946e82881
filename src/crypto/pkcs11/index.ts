export * from './uri.js';
export * from './token.js';
export * from './keys.js';
export * from './signer.js';
