"""Independent Modbus client for the deployed benchmark (pymodbus 3, Debian).

Usage: python3 pymodbus-writes.py HOST PORT SOURCE UNIT WARMUP N V1 V2
Opens ONE connection from SOURCE, writes skid.flow_sp (float32 ABCD at
holding 100-101, FC16) WARMUP + N times, values alternating V1 / V2
(starting with V1), and prints one JSON line: {"ms": [N latencies], "errors": k}.
Warm-up writes are not timed. A write answered with an exception counts as
an error and is not timed.
"""
import json
import struct
import sys
import time

from pymodbus.client import ModbusTcpClient

host, port, source, unit, warmup, n, v1, v2 = sys.argv[1:9]
port, unit, warmup, n = int(port), int(unit), int(warmup), int(n)
values = [float(v1), float(v2)]


def words(x):
    b = struct.pack('>f', x)
    return [int.from_bytes(b[0:2], 'big'), int.from_bytes(b[2:4], 'big')]


client = ModbusTcpClient(host, port=port, source_address=(source, 0), timeout=10)
if not client.connect():
    print(json.dumps({"error": f"cannot connect to {host}:{port} from {source}"}))
    sys.exit(1)
out = []
errors = 0
payload = [words(values[0]), words(values[1])]
for i in range(warmup + n):
    w = payload[i % 2]
    t0 = time.perf_counter()
    r = client.write_registers(100, w, slave=unit)
    dt = (time.perf_counter() - t0) * 1000
    if r.isError():
        errors += 1
    elif i >= warmup:
        out.append(dt)
client.close()
print(json.dumps({"ms": out, "errors": errors}))
