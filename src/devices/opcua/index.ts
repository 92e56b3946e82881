export { OpcuaPlcSession, PlcUnavailable, GATEWAY_CLIENT_APPLICATION, type DeviceLogger, type PlcSessionOptions } from './session.js';
export type { DeviceHealth } from '../health.js';
export { clientCertificateFile, ensureClientCertificate } from './client-cert.js';
export { loadPlcIdentity, resolveDeviceFile } from './identity.js';
