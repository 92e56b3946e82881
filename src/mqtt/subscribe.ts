/**
 * subscribeStrict: subscribe and fail loudly when the broker refuses. In MQTT
 * 3.1.1 a refused filter is granted 0x80 (3.9.3) and the connection stays up,
 * so without this check a refused subscription looks like silence.
 *
 * Offline, it waits for the next connect and subscribes then (mqtt.js fails a
 * SUBSCRIBE queued while offline with "Connection closed" when an attempt
 * fails), so a service can set up its subscriptions before the broker is
 * there. It never gives up on absence, only on refusal.
 */
import type { MqttClient } from 'mqtt';
import { SubscribeRefusedError } from './errors.js';

export function subscribeStrict(client: MqttClient, filters: string | readonly string[], qos: 0 | 1 | 2 = 1): Promise<void> {
  const list = typeof filters === 'string' ? [filters] : [...filters];
  return new Promise<void>((resolve, reject) => {
    const attempt = () => {
      if (client.disconnecting) return; // ended: nobody waits for this any more
      if (!client.connected) {
        client.once('connect', attempt);
        return;
      }
      client.subscribe(list, { qos }, (err, granted) => {
        if (err) {
          // mqtt.js reports a 0x80 grant as an error carrying the SUBACK packet
          const codes = (err as { packet?: { granted?: unknown } }).packet?.granted;
          if (Array.isArray(codes)) {
            const refused = list.filter((_, i) => typeof codes[i] === 'number' && (codes[i] & 0x80) !== 0);
            if (refused.length > 0) return reject(new SubscribeRefusedError(refused.join(', ')));
          }
          if (!client.connected) return attempt(); // the connection dropped before the SUBACK: again on reconnect
          return reject(err);
        }
        const refused = (granted ?? []).filter((g) => (g.qos & 0x80) !== 0);
        if (refused.length > 0) return reject(new SubscribeRefusedError(refused.map((g) => g.topic).join(', ')));
        resolve();
      });
    };
    attempt();
  });
}
