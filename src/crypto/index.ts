export * from './canonical.js';
export * from './encoding.js';
export * from './hash.js';
export * from './ed25519.js';
export * from './keyfile.js';
