/** A --help text for the Modbus skid simulator: the register map and behaviour. */
import { SUPPORTED_FUNCTION_CODES } from './pdu.js';
import { DOSING, DOSING_INITIAL, DOSING_TAU_S } from './dosing-model.js';
import { SKID, SKID_INITIAL, SKID_PHYSICS as P, STATUS_BITS } from './skid-map.js';

export function describeModbusSim(): string {
  const h = SKID.holding;
  const i = SKID.input;
  const bits = Object.entries(STATUS_BITS)
    .map(([name, mask]) => `bit ${Math.log2(mask)} ${name}`)
    .join(', ');
  return [
    'Modbus TCP skid PLC simulator (profiles/demo-cell.yaml, "Modbus skid").',
    `Unit id 1 by default (unit 255 too only with answerUnit255); function codes ${SUPPORTED_FUNCTION_CODES.join(', ')}.`,
    'Addresses are 0-based; floats are float32 big-endian, high word first (ABCD).',
    '',
    'Register map',
    `  holding  ${h.flowSp}-${h.flowSp + 1}  flow_sp       float32 m3/h  rw  initial ${SKID_INITIAL.flowSp.toFixed(1)}`,
    `  holding  ${h.pressureMax}      pressure_max  uint16 kPa    rw  initial ${SKID_INITIAL.pressureMax}`,
    `  coil     ${SKID.coil.pumpRun}        pump_run      bool          rw  initial ${SKID_INITIAL.pumpRun}`,
    `  input    ${i.flowPv}-${i.flowPv + 1}      flow_pv       float32 m3/h  ro  follows flow_sp (lag ${P.flowTauS} s) while the pump runs, else decays to 0`,
    `  input    ${i.pressurePv}-${i.pressurePv + 1}      pressure_pv   float32 kPa   ro  ${P.pressureBase} + ${P.pressurePerFlow} * flow while running (lag ${P.pressureTauS} s), held at ${P.reliefRatio} * pressure_max`,
    `  input    ${i.status}        status        uint16        ro  ${bits}`,
    `  discrete ${SKID.discrete.pumpRunning}        pump_running  bool          ro  feedback of pump_run`,
    `  discrete ${SKID.discrete.highPressure}        high_pressure bool          ro  pressure_pv >= ${P.alarmRatio} * pressure_max`,
    'Every other address up to the table size (default 1000) reads 0 and accepts writes.',
    '',
    'Plant dosing (--plant dosing; demo device dosing, unit 2)',
    `  holding  ${DOSING.holding.rateSp}      rate_sp       uint16 L/h    rw  initial ${DOSING_INITIAL.rateSp}`,
    `  input    ${DOSING.input.ratePv}        rate_pv       uint16 L/h    ro  follows rate_sp (lag ${DOSING_TAU_S} s)`,
    '',
    'Transports: Modbus TCP (MBAP) on --port; RTU framing on a TCP port with --rtu-port',
    '(what a serial-to-Ethernet converter carries); RTU on a serial device with --serial',
    '(CRC-16, frames delimited by function code, bad CRC ignored). On RTU a request for',
    'another unit id gets no answer, and a unit 0 (broadcast) write is applied unanswered.',
    '',
    'Exceptions: 01 unsupported function, 02 address outside the tables, 03 bad quantity,',
    'byte count or coil value (or a malformed request), 0B request for another unit id',
    '(option: no answer instead). A protocol id other than 0 or a length outside 2..254',
    'closes the connection.',
    'Every applied write is logged in memory and, with a log file, appended as a JSON line:',
    '  {"ts","unit","fc","table":"holding"|"coil","address","values":[...],"source":"ip:port"}',
  ].join('\n');
}
