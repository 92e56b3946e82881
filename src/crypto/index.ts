export * from './canonical.js';
export * from './encoding.js';
export * from './hash.js';
export { SIG_ALGS, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, algOfPublicKey, type SigAlg } from './alg.js';
export * from './ed25519.js';
export * from './p256.js';
export * from './verify.js';
export * from './keyfile.js';
