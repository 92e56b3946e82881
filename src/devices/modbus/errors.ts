/** Why a request to a Modbus device got no answer. */
export class PlcUnavailable extends Error {
  /**
   * @param sent  the request had been written to the line or connection: the PLC may have applied it
   * @param noPath the gateway has no working link to the device at all (e.g. its serial port cannot be opened)
   */
  constructor(
    message: string,
    readonly sent = false,
    readonly noPath = false,
  ) {
    super(message);
    this.name = 'PlcUnavailable';
  }
}
