/** The demo's port layout and READY line (docs/interface.md), without loading the stack. */
export const DEFAULT_PORT_BASE = 15020;

export interface ReadyInfo {
  mqtt: string;
  modbus: string;
  opcua: string;
  /** The PLC simulators: skid (Modbus TCP), reactor (OPC UA), dosing (Modbus RTU framing over TCP). */
  plc: { modbus: string; opcua: string; dosing: string };
  http: string;
  data: string;
}
