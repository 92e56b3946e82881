/**
 * The four Modbus data tables (App. Protocol v1.1b3 §4.3 "MODBUS Data model"):
 * coils and holding registers are read/write, discrete inputs and input
 * registers are read-only for clients. All four have the same size here.
 */
export class ModbusMemory {
  readonly coils: Uint8Array;
  readonly discreteInputs: Uint8Array;
  readonly holding: Uint16Array;
  readonly input: Uint16Array;

  constructor(readonly size: number) {
    this.coils = new Uint8Array(size);
    this.discreteInputs = new Uint8Array(size);
    this.holding = new Uint16Array(size);
    this.input = new Uint16Array(size);
  }

  /** True when [start, start + count) lies inside the tables (App. Protocol §4.4, 0-based addressing). */
  inRange(start: number, count: number): boolean {
    return Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= this.size;
  }
}

const scratch = Buffer.alloc(4);

/** float32 as two registers, big-endian, high word first ("ABCD"). */
export function float32ToWords(value: number): [number, number] {
  scratch.writeFloatBE(value, 0);
  return [scratch.readUInt16BE(0), scratch.readUInt16BE(2)];
}

/** Two registers (high word first, big-endian) to a float32 ("ABCD"). */
export function wordsToFloat32(high: number, low: number): number {
  scratch.writeUInt16BE(high & 0xffff, 0);
  scratch.writeUInt16BE(low & 0xffff, 2);
  return scratch.readFloatBE(0);
}

export function readFloat32(table: Uint16Array, address: number): number {
  return wordsToFloat32(table[address] ?? 0, table[address + 1] ?? 0);
}

export function writeFloat32(table: Uint16Array, address: number, value: number): void {
  const [high, low] = float32ToWords(value);
  table[address] = high;
  table[address + 1] = low;
}
