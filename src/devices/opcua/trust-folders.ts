/**
 * A certificate manager that reads its folders again before it refuses a
 * certificate as untrusted.
 *
 * `taogate pki trust` is another process: it moves a certificate from
 * rejected/ to trusted/certs while the gateway runs. node-opcua's certificate
 * manager learns of such moves only from a file watcher (chokidar), and on a
 * loaded machine the event can come late or not at all: once, in a full-suite
 * run, the PLC session stayed down for 60 s after the operator's trust step.
 * This manager re-reads the folders (node-opcua-pki's reloadCertificates)
 * when a verification ends in BadCertificateUntrusted and checks once more, so
 * the first connection after `pki trust` is accepted whatever the watcher
 * saw. Used for the PLC sessions' plc-client/ folder and the OPC UA front's
 * server/ folder (client applications).
 *
 * A refusal re-reads only when trusted/certs or issuers/certs changed since
 * the last re-read (their modification times, one stat each): a client that
 * keeps presenting an untrusted certificate costs two stats per attempt, not
 * a folder scan, and a trust step is seen however soon after a refusal it
 * comes (a time-based limit missed one made within a second of the refusal).
 * Concurrent refusals share one re-read.
 */
import { stat } from 'node:fs/promises';
import type * as NodeOpcua from 'node-opcua';
import { nodeOpcua } from './node-opcua.js';

const { OPCUACertificateManager } = nodeOpcua;
type OPCUACertificateManager = NodeOpcua.OPCUACertificateManager;
type ManagerOptions = ConstructorParameters<typeof OPCUACertificateManager>[0];
type Certificate = Parameters<OPCUACertificateManager['verifyCertificate']>[0];
type VerifyOptions = NonNullable<Parameters<OPCUACertificateManager['verifyCertificate']>[1]>;
type VerificationStatus = Awaited<ReturnType<OPCUACertificateManager['verifyCertificate']>>;

export interface RereadOptions {
  /** Told when a re-read fails (the refusal stands). */
  readonly onRereadError?: (err: Error) => void;
}

class RereadingCertificateManager extends OPCUACertificateManager {
  private rereading: Promise<void> | undefined;
  /** The folders' modification times at the last re-read (undefined: not re-read yet). */
  private readStamp: string | undefined;
  /** Re-reads done (for tests and diagnostics). */
  rereads = 0;

  constructor(
    options: ManagerOptions,
    private readonly reread: RereadOptions,
  ) {
    super(options);
  }

  protected override async verifyCertificateAsync(certificate: Certificate, options: VerifyOptions): Promise<VerificationStatus> {
    const status = await super.verifyCertificateAsync(certificate, options);
    if (status !== 'BadCertificateUntrusted') return status;
    if (!(await this.rereadFolders())) return status;
    return super.verifyCertificateAsync(certificate, options);
  }

  /** Modification times of the folders a trust step changes (a missing folder counts as a state of its own). */
  private async folderStamp(): Promise<string> {
    const times = await Promise.all([this.trustedFolder, this.issuersCertFolder].map((f) => stat(f).then((st) => String(st.mtimeMs), () => 'none')));
    return times.join(',');
  }

  /** Reads the folders again if they changed since the last re-read; true when the view may have changed. */
  private async rereadFolders(): Promise<boolean> {
    if (this.rereading) {
      await this.rereading;
      return true;
    }
    const stamp = await this.folderStamp();
    if (stamp === this.readStamp) return false;
    this.readStamp = stamp;
    this.rereads++;
    this.rereading = this.reloadCertificates().catch((err: Error) => this.reread.onRereadError?.(err));
    try {
      await this.rereading;
    } finally {
      this.rereading = undefined;
    }
    return true;
  }
}

/** An OPCUACertificateManager whose refusals of untrusted certificates look at the folders again first. */
export function rereadingCertificateManager(options: ManagerOptions, reread: RereadOptions = {}): OPCUACertificateManager & { readonly rereads: number } {
  return new RereadingCertificateManager(options, reread);
}
