/**
 * OPC UA chunk buffers: what the gateway asks for as a client (its PLC
 * sessions; that bounds both directions of the link, whatever the PLC could
 * grant) and grants as a server (its OPC UA front).
 *
 * node-opcua's client asks for 640 KiB send and receive buffers and its server
 * grants up to 512 KiB; a secure channel then allocates one buffer of that
 * size per message chunk it sends (node-opcua-chunkmanager), outside the JS
 * heap. A gated write is three to four small messages each way (a read for the
 * step check, the write, the read-back), so each one allocated a few MB that V8
 * counts as external memory, and V8 answers external-memory growth with full
 * garbage collections: measured on the gateway (docs/performance.md), ~1
 * major GC per 13 OPC UA writes. Services taogate uses (Read, Write, Call,
 * Browse, subscriptions of a cell's tags) fit in a few KB; a larger message
 * still passes, in more chunks (the chunk count is negotiated as before).
 */
import type { IHelloAckLimits } from 'node-opcua';
import { nodeOpcua } from './node-opcua.js';

const { adjustLimitsWithParameters } = nodeOpcua;

/** Send and receive buffer (= the largest chunk) taogate asks for and grants. OPC UA's minimum is 8192. */
export const CHUNK_BUFFER_BYTES = 16 * 1024;

/** Chunks per message a client allows; with CHUNK_BUFFER_BYTES, the largest message (8 MiB: far above a cell's reads and writes). */
const MAX_CHUNKS = 512;

/** For OPCUAClient.create({ transportSettings }); chunk count and message size agree, as node-opcua checks (else it warns). */
export const CLIENT_TRANSPORT_SETTINGS = {
  receiveBufferSize: CHUNK_BUFFER_BYTES,
  sendBufferSize: CHUNK_BUFFER_BYTES,
  maxChunkCount: MAX_CHUNKS,
  maxMessageSize: MAX_CHUNKS * CHUNK_BUFFER_BYTES,
} as const;

/** node-opcua's server defaults (node-opcua-transport server_tcp_transport), with the buffer bounded to CHUNK_BUFFER_BYTES. */
const SERVER_LIMITS = {
  minBufferSize: 8192,
  maxBufferSize: CHUNK_BUFFER_BYTES,
  minMaxMessageSize: 128 * 1024,
  defaultMaxMessageSize: 16 * 1024 * 1024,
  maxMaxMessageSize: 128 * 1024 * 1024,
  minMaxChunkCount: 1,
  defaultMaxChunkCount: Math.ceil((128 * 1024 * 1024) / CHUNK_BUFFER_BYTES),
  maxMaxChunkCount: 9000,
};

/** For new OPCUAServer({ transportSettings }). */
export const SERVER_TRANSPORT_SETTINGS = {
  adjustTransportLimits: (hello: IHelloAckLimits): IHelloAckLimits => adjustLimitsWithParameters(hello, SERVER_LIMITS),
};
