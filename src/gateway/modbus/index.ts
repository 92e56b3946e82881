export * from './front.js';
export * from './exceptions.js';
export * from './pdu.js';
export * from './mapping.js';
export * from './registers.js';
export * from './units.js';
export * from './requests.js';
