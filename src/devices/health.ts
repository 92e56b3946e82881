/** How a PLC link is doing, for /readyz and for refusing writes to a device that is down. */
export interface DeviceHealth {
  readonly device: string;
  readonly up: boolean;
  /** Why it is down (or what it is connected to). */
  readonly detail: string;
}
