/**
 * Broker credentials for a CLI command: user:password in the --broker URL,
 * else DIR/keys/mqtt/<user>.secret of the demo data dir (default ./data).
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadTls, TlsConfigError, type TlsMaterial } from '../mqtt/tls.js';
import { CliError, EXIT } from './exit.js';
import { keyPaths, keysDir } from './paths.js';

export interface BrokerLogin {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** CA and client certificate from --mqtt-ca / --mqtt-cert / --mqtt-key (or TAOGATE_MQTT_*), checked at once. */
  readonly tls?: TlsMaterial | undefined;
}

export interface BrokerLoginOptions {
  broker: string;
  data?: string;
  keys?: string;
  user?: string;
  mqttCa?: string;
  mqttCert?: string;
  mqttKey?: string;
}

/** The TLS files of a command, loaded and checked: an unreadable or wrong file fails here, naming it. */
export function mqttTls(opts: { mqttCa?: string; mqttCert?: string; mqttKey?: string }, url: URL): TlsMaterial | undefined {
  let tls: TlsMaterial | undefined;
  try {
    tls = loadTls({ ca: opts.mqttCa, cert: opts.mqttCert, key: opts.mqttKey });
  } catch (err) {
    if (err instanceof TlsConfigError) throw new CliError(`--mqtt-${err.file === opts.mqttCa ? 'ca' : err.file === opts.mqttKey ? 'key' : 'cert'}: ${err.message}`);
    throw err;
  }
  if (tls && url.protocol !== 'mqtts:') throw new CliError(`--broker: ${url.protocol}// is plain MQTT but TLS files were given (use mqtts://)`, EXIT.usage);
  return tls;
}

export function brokerLogin(opts: BrokerLoginOptions): BrokerLogin {
  let url: URL;
  try {
    url = new URL(opts.broker);
  } catch {
    throw new CliError(`--broker: '${opts.broker}' is not a URL (e.g. mqtt://127.0.0.1:15020)`, EXIT.usage);
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:' && url.protocol !== 'tcp:') {
    throw new CliError(`--broker: unsupported scheme '${url.protocol}' (mqtt: or mqtts:)`, EXIT.usage);
  }
  const tls = mqttTls(opts, url);
  const username = decodeURIComponent(url.username) || opts.user || 'operator';
  let password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  if (!password) {
    const file = keyPaths(keysDir(opts)).mqttSecret(username);
    if (!existsSync(file)) throw new CliError(`no broker password for user '${username}': put it in the --broker URL or run from the demo's folder (looked for ${file})`);
    password = readFileSync(file, 'utf8').trim();
  }
  return { url: url.toString().replace(/\/$/, ''), username, password, ...(tls ? { tls } : {}) };
}

export function readSecret(file: string): string {
  if (!existsSync(file)) throw new CliError(`${file}: not found`);
  return readFileSync(file, 'utf8').trim();
}
