/**
 * Broker credentials for a CLI command: user:password in the --broker URL,
 * else DIR/keys/mqtt/<user>.secret of the demo data dir (default ./data).
 */
import { existsSync, readFileSync } from 'node:fs';
import { CliError, EXIT } from './exit.js';
import { keyPaths, keysDir } from './paths.js';

export interface BrokerLogin {
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export function brokerLogin(opts: { broker: string; data?: string; keys?: string; user?: string }): BrokerLogin {
  let url: URL;
  try {
    url = new URL(opts.broker);
  } catch {
    throw new CliError(`--broker: '${opts.broker}' is not a URL (e.g. mqtt://127.0.0.1:15020)`, EXIT.usage);
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:' && url.protocol !== 'tcp:') {
    throw new CliError(`--broker: unsupported scheme '${url.protocol}' (mqtt: or mqtts:)`, EXIT.usage);
  }
  const username = decodeURIComponent(url.username) || opts.user || 'operator';
  let password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  if (!password) {
    const file = keyPaths(keysDir(opts)).mqttSecret(username);
    if (!existsSync(file)) throw new CliError(`no broker password for user '${username}': put it in the --broker URL or run from the demo's folder (looked for ${file})`);
    password = readFileSync(file, 'utf8').trim();
  }
  return { url: url.toString().replace(/\/$/, ''), username, password };
}

export function readSecret(file: string): string {
  if (!existsSync(file)) throw new CliError(`${file}: not found`);
  return readFileSync(file, 'utf8').trim();
}
