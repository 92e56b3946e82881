/**
 * The register map of the Modbus skid of profiles/demo-cell.yaml (unit id 1).
 * Addresses are 0-based PDU addresses (App. Protocol v1.1b3 §4.4).
 * Floats are float32, big-endian, high word first ("ABCD").
 */
export const SKID = {
  holding: {
    /** 100-101 float32 m3/h, written by operators and the optimizer. */
    flowSp: 100,
    /** 110 uint16 kPa, the relief limit; written by operators with approval. */
    pressureMax: 110,
  },
  coil: {
    /** 0 pump run command. */
    pumpRun: 0,
  },
  input: {
    /** 0-1 float32 m3/h, measured flow. */
    flowPv: 0,
    /** 2-3 float32 kPa, measured discharge pressure. */
    pressurePv: 2,
    /** 4 uint16 status word, bits in STATUS_BITS. */
    status: 4,
  },
  discrete: {
    /** 0 pump running feedback. */
    pumpRunning: 0,
    /** 1 high-pressure alarm. */
    highPressure: 1,
  },
} as const;

export const STATUS_BITS = {
  pumpRunning: 1 << 0,
  highPressure: 1 << 1,
  /** Flow within max(0.5, 1 %) of the effective setpoint while the pump runs. */
  atSetpoint: 1 << 2,
  /** Pressure is held just below pressure_max by the relief valve. */
  reliefActive: 1 << 3,
  /** flow_sp is not a finite number within the pump's 0..150 m3/h; the model uses the clamped value. */
  setpointClamped: 1 << 4,
} as const;

export const SKID_INITIAL = {
  flowSp: 30.0,
  pressureMax: 600,
  pumpRun: true,
} as const;

export const SKID_PHYSICS = {
  /** First-order lag of flow toward the setpoint, seconds. */
  flowTauS: 3,
  /** First-order lag of pressure toward its target, seconds. */
  pressureTauS: 1,
  /** Pump capacity: the setpoint the model honours is clamped to 0..150 m3/h. */
  flowCapacity: 150,
  /** Pressure target while running: base + perFlow * flow (kPa). */
  pressureBase: 50,
  pressurePerFlow: 4,
  /** The relief valve holds pressure at pressure_max * reliefRatio (strictly below pressure_max). */
  reliefRatio: 0.98,
  /** The high-pressure alarm is on at or above pressure_max * alarmRatio. */
  alarmRatio: 0.9,
} as const;
