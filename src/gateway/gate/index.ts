export * from './types.js';
export * from './ports.js';
export * from './gate.js';
export * from './presenter.js';
export * from './staged.js';
