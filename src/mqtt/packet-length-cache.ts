/**
 * Fill mqtt-packet's remaining-length cache in one go, so that it pins 32
 * buffer-pool slabs instead of one slab per distinct packet length.
 *
 * mqtt-packet (the encoder of mqtt.js and aedes) remembers the encoded
 * "remaining length" of every packet it writes, for every length below
 * 16,384, in a module-wide cache it never empties (writeToStream.js,
 * `varByteIntCache`). Each entry is a 1-4 byte slice taken with
 * `Buffer.allocUnsafe` from Node's shared 8 KB buffer pool at the moment a
 * packet of that length is first written. Between two such moments the pool
 * has moved on to other slabs (socket reads, other packets), so each cached
 * slice keeps a whole 8 KB slab alive: up to 16,384 slabs, 128 MB, filling
 * slowly as new lengths appear. A gateway's receipt batches vary in length
 * with what they carry: its cache held 403 slabs (3.3 MB) after ~47k gated
 * writes and 680 (5.6 MB) after ~350k (heap snapshots; docs/mqtt.md).
 *
 * Writing one packet of every length from 0 to 16,383 in a single
 * synchronous loop at start-up takes all the slices from consecutive pool
 * memory: 16 bytes per length (the length's slice and the topic length's two
 * bytes, each rounded to the pool's 8-byte alignment), 256 KB, 32 slabs,
 * and the cache never allocates again.
 *
 * The same module also builds, at its first packet, a cache of the two-byte
 * encoding of every number below 65,536 (topic lengths, message ids): 65,536
 * Buffer objects, ~7 MB of JavaScript heap and 70-100 ms of CPU in every
 * process that speaks MQTT. Its own README documents turning it off
 * (`writeToStream.cacheNumbers = false`, as mqtt.js does for `writeCache:
 * false`); the encoder then takes two bytes from the pool per number, which
 * nothing keeps. The fill turns it off first.
 */
import mqttPacket from 'mqtt-packet';

/** The largest remaining length mqtt-packet caches, plus one (writeToStream.js). */
const CACHED_LENGTHS = 16_384;

const TOPIC = 'a';
/** PUBLISH (QoS 0, MQTT 3.1.1): remaining length = 2 + topic + payload. */
const PUBLISH_OVERHEAD = 2 + TOPIC.length;

let filled = false;

/** A sink that takes the encoder's writes and keeps nothing. */
const sink = {
  write(): boolean {
    return true;
  },
  destroy(err?: Error): void {
    throw err ?? new Error('mqtt-packet refused a cache-filling packet');
  },
};

/**
 * Turn mqtt-packet's number cache off and write one packet of every cached
 * remaining length into a sink, once per process. Call it before the first
 * MQTT packet is written (connectMqtt and startBroker do). 100-120 ms of CPU
 * on this project's reference VM, in place of the 70-100 ms the number cache
 * took; +2 MB of heap and 256 KB of pool in place of ~7.5 MB.
 */
export function fillPacketLengthCache(): void {
  if (filled) return;
  filled = true;
  mqttPacket.writeToStream.cacheNumbers = false;
  const stream = sink as unknown as Parameters<typeof mqttPacket.writeToStream>[1];
  // DISCONNECT: remaining length 0 (MQTT 3.1.1) and 1 (MQTT 5, a reason code); PUBACK: 2
  mqttPacket.writeToStream({ cmd: 'disconnect' }, stream);
  mqttPacket.writeToStream({ cmd: 'disconnect', reasonCode: 0 }, stream, { protocolVersion: 5 });
  mqttPacket.writeToStream({ cmd: 'puback', messageId: 1 }, stream);
  const payload = Buffer.alloc(CACHED_LENGTHS - PUBLISH_OVERHEAD);
  for (let n = PUBLISH_OVERHEAD; n < CACHED_LENGTHS; n++) {
    mqttPacket.writeToStream(
      { cmd: 'publish', topic: TOPIC, payload: payload.subarray(0, n - PUBLISH_OVERHEAD), qos: 0, dup: false, retain: false },
      stream,
    );
  }
}
