/**
 * A protocol front: listens for one protocol, turns writes into
 * WriteRequests for the gate, and can read the current value of the tags
 * of its device (for step checks, read-back and start-up reconciliation).
 */
import type { DeviceHealth } from '../devices/health.js';
import type { Gate } from './gate/gate.js';

export interface Front {
  readonly name: 'modbus' | 'opcua';
  /** Tags this front's device holds. */
  owns(tag: string): boolean;
  /** The PLC's current value of a tag, as a canonical string. */
  readCurrent(tag: string): Promise<string | undefined>;
  /** Starts listening; resolves with the listening address ("host:port" or an endpoint URL). */
  start(gate: Gate): Promise<string>;
  close(): Promise<void>;
  /** The front's PLC links, up or down (fronts that track them). */
  devices?(): readonly DeviceHealth[];
}
