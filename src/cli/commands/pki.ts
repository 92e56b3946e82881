/**
 * `taogate pki list|trust|reject [--pki DIR]`: the OPC UA certificates the
 * gateway was shown, without moving files by hand. DIR is the OPC UA
 * front's PKI (default DATA/pki/gateway-opcua), which holds three
 * node-opcua PKI folders:
 *   server       client applications connecting to the gateway's OPC UA front
 *   plc-client   PLC server certificates the gateway connects to
 *   user         X.509 user certificates
 * DIR may also be one such folder (it has trusted/ or rejected/).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { findCertificate, listCertificates, moveCertificate, type CertificateEntry } from '../../devices/opcua/pki-folder.js';
import { action, output } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { dataPaths } from '../paths.js';

const SUB_STORES: readonly { readonly dir: string; readonly label: string }[] = [
  { dir: 'server', label: 'OPC UA clients of the gateway front' },
  { dir: 'plc-client', label: 'PLCs the gateway connects to' },
  { dir: 'user', label: 'user certificates' },
];

interface PkiOpts {
  pki?: string;
  data?: string;
  json?: boolean;
}

interface Store {
  readonly name: string;
  readonly label: string;
  readonly dir: string;
}

function stores(opts: PkiOpts): Store[] {
  const root = resolve(opts.pki ?? join(dataPaths(opts.data ?? './data').root, 'pki', 'gateway-opcua'));
  if (!existsSync(root)) throw new CliError(`--pki ${root}: no such folder (the gateway creates it at its first start)`);
  if (['trusted', 'rejected', 'own'].some((d) => existsSync(join(root, d)))) return [{ name: '.', label: 'certificates', dir: root }];
  const found = SUB_STORES.filter((s) => existsSync(join(root, s.dir))).map((s) => ({ name: s.dir, label: s.label, dir: join(root, s.dir) }));
  if (found.length === 0) throw new CliError(`--pki ${root}: no OPC UA PKI folder here (expected server/, plc-client/ or user/, or trusted/ and rejected/)`);
  return found;
}

interface Row {
  store: string;
  state: string;
  thumbprint: string;
  subject: string;
  applicationUri: string;
  notAfter: string;
  file: string;
}

function describe(e: CertificateEntry, store: Store): Row {
  return { store: store.name, state: e.store, thumbprint: e.thumbprint, subject: e.subject, applicationUri: e.applicationUri, notAfter: e.notAfter, file: e.file };
}

/** Finds the certificate in `from` across the stores; exactly one store may hold it. */
function locate(all: Store[], what: string, from: 'trusted' | 'rejected'): { store: Store; cert: CertificateEntry } {
  const hits: { store: Store; cert: CertificateEntry }[] = [];
  const misses: string[] = [];
  for (const store of all) {
    try {
      hits.push({ store, cert: findCertificate(store.dir, what, [from]) });
    } catch (err) {
      misses.push((err as Error).message);
    }
  }
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw new CliError(all.length === 1 ? misses[0]! : `no ${from} certificate '${what}' in ${all.map((s) => join(s.dir, from === 'trusted' ? 'trusted/certs' : 'rejected')).join(', ')}`);
  throw new CliError(`'${what}' is ${from} in ${hits.map((h) => h.store.name).join(' and ')}: give --pki ${hits[0]!.store.dir} (one store)`);
}

export function registerPkiCommands(program: Command): void {
  const pki = program
    .command('pki')
    .description('OPC UA certificates presented to the gateway by OPC UA clients and PLCs: list, trust, reject')
    .addHelpText('after', `\nStores under --pki (default DATA/pki/gateway-opcua):\n${SUB_STORES.map((s) => `  ${s.dir.padEnd(11)} ${s.label}`).join('\n')}\nA running gateway picks up a change at the next connection attempt.`);
  const common = (c: Command) => c.option('--pki <dir>', 'the OPC UA PKI folder (default DATA/pki/gateway-opcua)').option('--data <dir>', 'demo-layout data dir (default ./data)').option('--json', 'machine-readable output');

  common(pki.command('list').description('every trusted and rejected certificate, with SHA-1 thumbprint, subject and expiry')).action(
    action(async (opts: PkiOpts) => {
      const rows = stores(opts).flatMap((s) => listCertificates(s.dir).map((e) => describe(e, s)));
      const human = rows.length === 0 ? 'no certificates' : rows.map((r) => `${r.store.padEnd(10)} ${r.state.padEnd(8)} ${r.thumbprint}  ${r.subject.split(', ').find((p) => p.startsWith('CN=')) ?? r.subject}  until ${r.notAfter.slice(0, 10)}  ${r.applicationUri}`).join('\n');
      output(opts.json === true, rows, human);
    }),
  );

  pki
    .command('client-cert')
    .description("the gateway's client certificate towards the PLCs (made now if missing): the file to put into each PLC's trust list")
    .option('--pki <dir>', 'the OPC UA PKI folder (default DATA/pki/gateway-opcua); the certificate is under plc-client/own/certs')
    .option('--data <dir>', 'demo-layout data dir (default ./data)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: PkiOpts) => {
        const root = resolve(opts.pki ?? join(dataPaths(opts.data ?? './data').root, 'pki', 'gateway-opcua'));
        const { ensureClientCertificate } = await import('../../devices/opcua/client-cert.js');
        const file = await ensureClientCertificate(join(root, 'plc-client'));
        const cert = listCertificates(join(root, 'plc-client'), ['own']).find((e) => e.file === file);
        output(opts.json === true, { file, thumbprint: cert?.thumbprint ?? '', subject: cert?.subject ?? '', applicationUri: cert?.applicationUri ?? '', notAfter: cert?.notAfter ?? '' }, `${file}\n  SHA-1 ${cert?.thumbprint ?? '?'}  ${cert?.applicationUri ?? ''}  until ${cert?.notAfter.slice(0, 10) ?? '?'}`);
        setTimeout(() => process.exit(), 1000).unref(); // node-opcua's certificate tooling may leave a timer behind
      }),
    );

  common(pki.command('trust').description('move a rejected certificate to trusted (check its thumbprint with the peer first)').argument('<certificate>', 'SHA-1 thumbprint (or a unique prefix of 8+ hex digits), or the file name under rejected/')).action(
    action(async (what: string, opts: PkiOpts) => {
      const { store, cert } = locate(stores(opts), what, 'rejected');
      const file = moveCertificate(store.dir, cert, 'trusted');
      output(opts.json === true, { ...describe(cert, store), state: 'trusted', file }, `trusted ${cert.subject} (SHA-1 ${cert.thumbprint}) in ${store.name}: ${file}`);
      return EXIT.ok;
    }),
  );

  common(pki.command('reject').description('move a trusted certificate to rejected (the peer is refused from its next connection on)').argument('<certificate>', 'SHA-1 thumbprint (or a unique prefix of 8+ hex digits), or the file name under trusted/certs/')).action(
    action(async (what: string, opts: PkiOpts) => {
      const { store, cert } = locate(stores(opts), what, 'trusted');
      const file = moveCertificate(store.dir, cert, 'rejected');
      output(opts.json === true, { ...describe(cert, store), state: 'rejected', file }, `rejected ${cert.subject} (SHA-1 ${cert.thumbprint}) in ${store.name}: ${file}`);
      return EXIT.ok;
    }),
  );
}
