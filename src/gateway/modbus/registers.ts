/** Tag values <-> Modbus registers: the profile's rule, in src/policy/registers.ts (learn mode reads registers the same way). */
export { decodeRegisters, encodeRegisters, registerCount } from '../../policy/registers.js';
