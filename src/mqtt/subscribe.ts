/**
 * subscribeStrict: subscribe and fail loudly when the broker refuses. In MQTT
 * 3.1.1 a refused filter is granted 0x80 (3.9.3) and the connection stays up,
 * so without this check a refused subscription looks like silence.
 */
import type { MqttClient } from 'mqtt';
import { SubscribeRefusedError } from './errors.js';

export function subscribeStrict(client: MqttClient, filters: string | readonly string[], qos: 0 | 1 | 2 = 1): Promise<void> {
  const list = typeof filters === 'string' ? [filters] : [...filters];
  return new Promise<void>((resolve, reject) => {
    client.subscribe(list, { qos }, (err, granted) => {
      if (err) {
        // mqtt.js reports a 0x80 grant as an error carrying the SUBACK packet
        const codes = (err as { packet?: { granted?: unknown } }).packet?.granted;
        if (Array.isArray(codes)) {
          const refused = list.filter((_, i) => typeof codes[i] === 'number' && (codes[i] & 0x80) !== 0);
          if (refused.length > 0) return reject(new SubscribeRefusedError(refused.join(', ')));
        }
        return reject(err);
      }
      const refused = (granted ?? []).filter((g) => (g.qos & 0x80) !== 0);
      if (refused.length > 0) return reject(new SubscribeRefusedError(refused.map((g) => g.topic).join(', ')));
      resolve();
    });
  });
}
