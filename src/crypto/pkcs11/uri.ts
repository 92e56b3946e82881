/**
 * PKCS#11 URIs (RFC 7512) as taogate uses them to name a key in a token:
 *
 *   pkcs11:token=taogate;object=gateway?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/taogate/pin
 *
 * Path attributes: token (label), object (key label), id (CKA_ID, %-encoded),
 * type (private, or absent), slot-id. Query attributes: module-path,
 * pin-source (file:PATH or a plain path, RFC 7512 section 2.3). `pin-value`
 * is refused: a PIN never travels in a URI (it would end up on command lines
 * and in process listings); it comes from the pin-source file or the
 * TAOGATE_PKCS11_PIN environment variable.
 */
export interface Pkcs11Uri {
  readonly token?: string;
  readonly object?: string;
  readonly id?: Uint8Array;
  readonly slotId?: number;
  readonly modulePath?: string;
  readonly pinSource?: string;
}

const PATH_ATTRS = new Set(['token', 'object', 'id', 'type', 'slot-id', 'manufacturer', 'model', 'serial', 'library-manufacturer', 'library-description', 'library-version', 'slot-description', 'slot-manufacturer']);
const QUERY_ATTRS = new Set(['module-path', 'module-name', 'pin-source', 'pin-value']);

function pctDecode(text: string, what: string): Uint8Array {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) throw new Error(`PKCS#11 URI: bad %-escape in ${what}`);
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < text.length; ) {
    if (text[i] === '%') {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = text.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      out.push(...utf8.encode(ch));
      i += ch.length;
    }
  }
  return new Uint8Array(out);
}

const str = (text: string, what: string): string => new TextDecoder('utf-8', { fatal: true }).decode(pctDecode(text, what));

export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!uri.startsWith('pkcs11:')) throw new Error(`not a PKCS#11 URI (must start with "pkcs11:"): ${uri.slice(0, 40)}`);
  const rest = uri.slice('pkcs11:'.length);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const out: { -readonly [K in keyof Pkcs11Uri]: Pkcs11Uri[K] } = {};
  const seen = new Set<string>();
  const each = (part: string, sep: string, allowed: Set<string>, where: string, fn: (name: string, value: string) => void) => {
    for (const attr of part.split(sep)) {
      if (attr === '') continue;
      const eq = attr.indexOf('=');
      if (eq <= 0) throw new Error(`PKCS#11 URI: ${where} attribute "${attr}" has no value`);
      const name = attr.slice(0, eq).toLowerCase();
      if (!allowed.has(name) && !name.startsWith('x-')) throw new Error(`PKCS#11 URI: unknown ${where} attribute "${name}"`);
      if (seen.has(name)) throw new Error(`PKCS#11 URI: attribute "${name}" given twice`);
      seen.add(name);
      fn(name, attr.slice(eq + 1));
    }
  };
  each(path, ';', PATH_ATTRS, 'path', (name, value) => {
    if (name === 'token') out.token = str(value, name);
    else if (name === 'object') out.object = str(value, name);
    else if (name === 'id') out.id = pctDecode(value, name);
    else if (name === 'slot-id') {
      if (!/^\d+$/.test(value)) throw new Error('PKCS#11 URI: slot-id must be a decimal number');
      out.slotId = Number(value);
    } else if (name === 'type' && value !== 'private' && value !== 'public') throw new Error(`PKCS#11 URI: type must be private or public, got "${value}"`);
  });
  each(query, '&', QUERY_ATTRS, 'query', (name, value) => {
    if (name === 'pin-value') throw new Error('PKCS#11 URI: pin-value is not accepted; give the PIN with pin-source=file:PATH or TAOGATE_PKCS11_PIN');
    if (name === 'module-path') out.modulePath = str(value, name);
    if (name === 'pin-source') out.pinSource = str(value, name);
  });
  return out;
}

const enc = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The URI of one object in the token named by base (its module-path and pin-source carried over). */
export function objectUri(base: Pkcs11Uri, object: string): string {
  const path = [...(base.token !== undefined ? [`token=${enc(base.token)}`] : []), ...(base.slotId !== undefined ? [`slot-id=${base.slotId}`] : []), `object=${enc(object)}`];
  const query = [...(base.modulePath ? [`module-path=${enc(base.modulePath).replace(/%2F/g, '/')}`] : []), ...(base.pinSource ? [`pin-source=${enc(base.pinSource).replace(/%2F/g, '/').replace(/%3A/g, ':')}`] : [])];
  return `pkcs11:${path.join(';')}${query.length ? `?${query.join('&')}` : ''}`;
}
