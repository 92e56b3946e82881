/**
 * A small, valid profile written for these tests (not derived from the
 * demo), one construct per line so tests can replace a line and assert the
 * exact LINE:COL of the error. Line numbers in comments are 1-based.
 */
export const BASE_LINES: readonly string[] = [
  'version: 1', // 1
  'gateway: { id: gw-test, site: test/site }', // 2
  'devices:', // 3
  '  plc: { protocol: modbus, host: 127.0.0.1, port: 502, unit: 1 }', // 4
  '  ua: { protocol: opcua, endpoint: "opc.tcp://127.0.0.1:4840" }', // 5
  'tags:', // 6
  '  plc.sp:', // 7
  '    device: plc', // 8
  '    type: float32', // 9
  '    modbus: { table: holding, address: 100 }', // 10
  '    min: 0', // 11
  '    max: 120', // 12
  '    write_roles: [operator]', // 13
  '  ua.sp:', // 14
  '    device: ua', // 15
  '    type: float64', // 16
  '    opcua: { node_id: "ns=1;s=ua.sp" }', // 17
  '    write_roles: [operator]', // 18
  '    approvals: { count: 1, roles: [supervisor] }', // 19
  'actors:', // 20
  '  op-1: { kind: human, role: operator, modbus: { sources: [10.0.0.1] } }', // 21
  'approvers:', // 22
  '  sup-1: { role: supervisor }', // 23
];

export function base(): string {
  return `${BASE_LINES.join('\n')}\n`;
}

/** The base profile with 1-based lines replaced (a replacement may hold several lines). */
export function withLines(replace: Record<number, string>): string {
  const lines = BASE_LINES.map((l, i) => replace[i + 1] ?? l);
  return `${lines.join('\n')}\n`;
}

/** The base profile with extra lines inserted after 1-based line `after`. */
export function inserting(after: number, ...extra: string[]): string {
  const lines = [...BASE_LINES.slice(0, after), ...extra, ...BASE_LINES.slice(after)];
  return `${lines.join('\n')}\n`;
}
