// The DER subset an X.509 v3 certificate needs, written out and read back. A Cluster needs seven
// keys and certificates: a generic ASN.1 library spent ~45 ms of CPU per Cluster building them
// (profiled), while this encoder spends well under a millisecond. Tests check the output with
// OpenSSL (node:crypto's X509Certificate), an independent ASN.1 parser and a real kube-apiserver.

/** Tag numbers and classes used by certificates. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: tag, definite length, contents. */
export function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...items);
export const set = (...items: Buffer[]): Buffer => tlv(TAG.SET, ...items);
export const octetString = (bytes: Buffer): Buffer => tlv(TAG.OCTET_STRING, bytes);
export const utf8String = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8'));
/**
 * A name attribute's value as Go writes it: PrintableString when every character allows it, else
 * UTF8String. Verifiers match an issuer to its CA by comparing the name bytes, so a CA's name
 * must come out the way other tools re-encode it when they sign with this CA.
 */
export const directoryString = (s: string): Buffer =>
  /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s) ? tlv(TAG.PRINTABLE_STRING, Buffer.from(s, 'ascii')) : utf8String(s);
export const boolean = (value: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
export const nullValue = (): Buffer => tlv(TAG.NULL);
/** [n] EXPLICIT: a constructed context-specific wrapper. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** [n] IMPLICIT on a primitive type: the context-specific tag replaces the universal one. */
export const implicitPrimitive = (n: number, contents: Buffer): Buffer => tlv(0x80 | n, contents);

/** A non-negative INTEGER from big-endian bytes, minimally encoded (strict parsers such as Go's reject padding). */
export function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(TAG.INTEGER, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function smallInteger(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new Error(`integer ${value} is out of range`);
  const bytes: number[] = [];
  for (let n = value; ; n = Math.floor(n / 256)) {
    bytes.unshift(n & 0xff);
    if (n < 256) break;
  }
  return unsignedInteger(Buffer.from(bytes));
}

/** BIT STRING whose contents are whole bytes (keys, signatures). */
export const bitString = (bytes: Buffer): Buffer => tlv(TAG.BIT_STRING, Buffer.from([0]), bytes);

/** BIT STRING of named bits (bit 0 is the most significant bit of the first byte), trailing zeros dropped as DER wants. */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return tlv(TAG.BIT_STRING, Buffer.from([0]));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)] |= 0x80 >> (b % 8);
  const unused = 7 - (highest % 8);
  return tlv(TAG.BIT_STRING, Buffer.from([unused]), bytes);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(a => {
    if (!/^\d+$/.test(a)) throw new Error(`bad OID ${dotted}`);
    return Number(a);
  });
  if (arcs.length < 2) throw new Error(`bad OID ${dotted}`);
  const out: number[] = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const groups: number[] = [];
    for (let n = arc; ; n = Math.floor(n / 128)) {
      groups.unshift(n % 128);
      if (n < 128) break;
    }
    groups.forEach((g, i) => out.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return tlv(TAG.OID, Buffer.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new Error(`certificate time ${iso} is out of range`);
  return year < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'ascii'));
}

/** The 4 or 16 bytes of an IPv4 or IPv6 address. */
export function ipAddressBytes(ip: string): Buffer {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.every(p => p <= 255)) return Buffer.from(parts);
  } else if (ip.includes(':')) {
    const halves = ip.split('::');
    if (halves.length <= 2) {
      const group = (s: string) => (s === '' ? [] : s.split(':'));
      const head = group(halves[0]);
      const tail = halves.length === 2 ? group(halves[1]) : [];
      const missing = 8 - head.length - tail.length;
      const all = halves.length === 2 ? [...head, ...Array<string>(Math.max(missing, 0)).fill('0'), ...tail] : head;
      if (all.length === 8 && (halves.length === 1 || missing >= 1) && all.every(g => /^[0-9a-fA-F]{1,4}$/.test(g))) {
        const out = Buffer.alloc(16);
        all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
        return out;
      }
    }
  }
  throw new Error(`"${ip}" is not an IPv4 or IPv6 address`);
}

/** One element read back: where its contents start and end inside the buffer it came from. */
export interface Element {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  contents: Buffer;
}

/** Reads the element at `offset`. */
export function readElement(buf: Buffer, offset = 0): Element {
  if (offset + 2 > buf.length) throw new Error('DER: truncated element');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not supported');
  let length = buf[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: unsupported length form');
    if (offset + 2 + n > buf.length) throw new Error('DER: truncated length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[offset + 2 + i];
    header += n;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new Error('DER: element runs past the end of its container');
  return { tag, raw: buf.subarray(offset, end), contents: buf.subarray(offset + header, end) };
}

/** The elements inside a constructed element's contents. */
export function children(contents: Buffer): Element[] {
  const out: Element[] = [];
  for (let offset = 0; offset < contents.length;) {
    const e = readElement(contents, offset);
    out.push(e);
    offset += e.raw.length;
  }
  return out;
}
