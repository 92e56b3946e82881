/**
 * `--device NAME=ADDRESS` (repeatable): where a profile device really is on
 * this site, without editing the profile (device addresses are not part of
 * the policy hash, so TAOs stay valid). ADDRESS is HOST:PORT for a Modbus
 * device, a device path (/dev/...) for a Modbus RTU device on a serial line,
 * or an opc.tcp:// endpoint URL (or HOST:PORT) for an OPC UA device.
 */
import type { DeviceOverride } from '../policy/overrides.js';
import { withDeviceOverrides } from '../policy/index.js';
import type { Profile } from '../policy/types.js';
import { CliError, EXIT } from './exit.js';

export function applyDeviceOptions(profile: Profile, specs: readonly string[] | undefined): Profile {
  if (!specs || specs.length === 0) return profile;
  const overrides: Record<string, DeviceOverride> = {};
  for (const spec of specs) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    if (!m) throw new CliError(`--device ${spec}: expected NAME=HOST:PORT or NAME=opc.tcp://HOST:PORT`, EXIT.usage);
    const [, name, address] = m as unknown as [string, string, string];
    if (/^opc\.tcp:\/\//.test(address)) overrides[name] = { endpoint: address };
    else if (address.startsWith('/')) overrides[name] = { serialPath: address };
    else {
      const hp = /^(.+):(\d{1,5})$/.exec(address);
      if (!hp) throw new CliError(`--device ${spec}: expected HOST:PORT`, EXIT.usage);
      overrides[name] = { host: hp[1]!, port: Number(hp[2]) };
    }
  }
  try {
    return withDeviceOverrides(profile, overrides);
  } catch (err) {
    throw new CliError(`--device: ${(err as Error).message}`, EXIT.usage);
  }
}
