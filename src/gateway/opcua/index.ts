export { OpcuaFront, type OpcuaFrontOptions } from './front.js';
export { GATEWAY_OBJECT, PRESENT_TAO, gatewayNodeId } from './address-space.js';
export { SECURITY_MODES, SECURITY_POLICIES } from './server.js';
export { sha1Thumbprint } from './identity.js';
