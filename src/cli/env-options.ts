/**
 * Environment forms of options, applied to every command in one place:
 * flag > environment > default (commander's Option.env). A command that
 * talks to a broker (`--broker`) also gets the control-plane TLS options.
 */
import { Option, type Command } from 'commander';

/** Option flag -> environment variable. docs/operations.md lists the same table. */
export const ENV_FORMS: Readonly<Record<string, string>> = {
  '--log-level': 'TAOGATE_LOG_LEVEL',
  '--broker': 'TAOGATE_BROKER',
  '--mqtt-ca': 'TAOGATE_MQTT_CA',
  '--mqtt-cert': 'TAOGATE_MQTT_CERT',
  '--mqtt-key': 'TAOGATE_MQTT_KEY',
  '--tls-cert': 'TAOGATE_TLS_CERT',
  '--tls-key': 'TAOGATE_TLS_KEY',
  '--tls-ca': 'TAOGATE_TLS_CA',
};

const MQTT_TLS_OPTIONS: readonly [string, string][] = [
  ['--mqtt-ca <file>', 'PEM CA certificate(s) that issued the broker certificate (mqtts://; default: the system CAs)'],
  ['--mqtt-cert <file>', 'PEM client certificate for mutual TLS with the broker'],
  ['--mqtt-key <file>', 'PEM private key of --mqtt-cert'],
];

/** Walks every command: adds the MQTT TLS options beside `--broker`, then sets the environment forms. */
export function applyEnvForms(cmd: Command): void {
  if (cmd.options.some((o) => o.long === '--broker') && !cmd.options.some((o) => o.long === '--mqtt-ca')) {
    for (const [flags, help] of MQTT_TLS_OPTIONS) {
      const o = new Option(flags, help);
      cmd.addOption(o.env(ENV_FORMS[o.long!]!));
    }
  }
  for (const o of cmd.options) {
    const env = o.long ? ENV_FORMS[o.long] : undefined;
    if (!env || o.envVar !== undefined) continue;
    o.env(env);
    // commander wires the environment when an option is added: options made before this walk get the same handler here.
    cmd.on(`optionEnv:${o.name()}`, (val: string) => cmd.setOptionValueWithSource(o.attributeName(), o.parseArg ? o.parseArg(val, undefined) : val, 'env'));
  }
  for (const sub of cmd.commands) applyEnvForms(sub);
}
