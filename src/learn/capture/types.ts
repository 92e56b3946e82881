/** One captured frame as the capture file holds it, before any decoding. */
export interface RawPacket {
  /** Position in the file (0-based), for stable ordering and messages. */
  readonly index: number;
  /** Capture time in microseconds since the Unix epoch (nanosecond files are rounded down). */
  readonly tsUs: number;
  /** Link-layer type (LINKTYPE_* of the tcpdump.org list). */
  readonly linkType: number;
  /** The captured bytes (may be shorter than origLen when the snap length cut it). */
  readonly data: Buffer;
  readonly origLen: number;
}

export interface CaptureFile {
  readonly format: 'pcap' | 'pcapng';
  readonly packets: RawPacket[];
}
