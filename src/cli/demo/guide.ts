/** The short human guide the demo prints on stderr after READY. */
import type { ReadyInfo } from './ports.js';

export function demoGuide(r: ReadyInfo): string {
  const [mbHost, mbPort] = r.modbus.split(':');
  const broker = r.mqtt;
  const data = r.data;
  return `
taogate demo is running. Nothing reaches a PLC without a TAO.

  gateway Modbus TCP  ${r.modbus}   (PLC behind it: ${r.plc.modbus})
  gateway OPC UA      ${r.opcua}   (PLC behind it: ${r.plc.opcua})
  MQTT broker         ${broker}
  console / metrics   ${r.http}
  data                ${data}

Try (in another terminal, from this folder):
  # hmi-1 (source 127.0.0.1) sets skid.flow_sp = 42.5 (float32, holding 100-101; mbpoll counts from 1): a TAO is issued inline
  mbpoll -m tcp -a 1 -1 -r 101 -t 4:float -B -p ${mbPort} ${mbHost} 42.5
  # out of limits (max 120): refused with a Modbus exception, the PLC is untouched
  mbpoll -m tcp -a 1 -1 -r 101 -t 4:float -B -p ${mbPort} ${mbHost} 500
  # skid.pressure_max needs a supervisor: the first write is refused and a request is pending
  mbpoll -m tcp -a 1 -1 -r 111 -p ${mbPort} ${mbHost} 500
  npx taogate approvals --broker ${broker}
  npx taogate approve <ID> --as bob --reason "checked with shift lead" --broker ${broker}
  # a pre-issued TAO for optimizer-1 (source 127.0.0.2)
  npx taogate tao request --broker ${broker} --actor optimizer-1 --tag skid.flow_sp --value 60 > tao.json
  npx taogate tao present --broker ${broker} --file tao.json
  # the record
  npx taogate ledger show --data ${data} --last 10     (after stopping the demo)
  npx taogate ledger verify --data ${data}

Stop with Ctrl-C.
`;
}
