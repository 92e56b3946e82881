/**
 * Errors of the MQTT layer. Each carries a code from one closed list, so
 * callers switch on `err.code` instead of parsing messages.
 */

export const MQTT_ERROR_CODES = [
  'auth_refused', // the broker refused the credentials or the client id (CONNACK 2, 4, 5)
  'connect_failed', // no connection within the initial timeout, or another CONNACK refusal
  'not_connected', // the client is offline, or went offline while a request waited
  'request_timeout', // no reply before the request's deadline
  'subscribe_refused', // the broker answered a SUBSCRIBE with 0x80 (MQTT 3.1.1 3.9.3)
  'closed', // the requester was closed
] as const;
export type MqttErrorCode = (typeof MQTT_ERROR_CODES)[number];

export class MqttError extends Error {
  constructor(
    readonly code: MqttErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MqttError';
  }
}

/** CONNACK refused: 2 identifier rejected, 4 bad user name or password, 5 not authorized (MQTT 3.1.1 3.2.2.3). */
export class MqttAuthError extends MqttError {
  constructor(
    readonly returnCode: number,
    message: string,
  ) {
    super('auth_refused', message);
    this.name = 'MqttAuthError';
  }
}

export class MqttConnectError extends MqttError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('connect_failed', message, options);
    this.name = 'MqttConnectError';
  }
}

export class NotConnectedError extends MqttError {
  constructor(message = 'MQTT client is not connected') {
    super('not_connected', message);
    this.name = 'NotConnectedError';
  }
}

export class RequestTimeoutError extends MqttError {
  constructor(
    readonly topic: string,
    readonly corr: string,
    readonly waitedMs: number,
  ) {
    super('request_timeout', `no reply to request ${corr} on ${topic} within ${waitedMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export class SubscribeRefusedError extends MqttError {
  constructor(readonly filter: string) {
    super('subscribe_refused', `broker refused subscription to ${filter} (SUBACK 0x80)`);
    this.name = 'SubscribeRefusedError';
  }
}

export class RequesterClosedError extends MqttError {
  constructor() {
    super('closed', 'requester closed');
    this.name = 'RequesterClosedError';
  }
}
