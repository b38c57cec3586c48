/**
 * CRC32 bookkeeping for a multipart upload: each part's CRC32 is computed once (it goes to the
 * server with the part, which rejects a part whose bytes do not match), and the whole object's
 * CRC32 is derived from the parts' with zlib's crc32_combine instead of a second pass over the data.
 */
import { crc32 as crc32Of } from 'node:zlib';

/** The reflected CRC-32 polynomial (zlib's, S3's CRC32). */
const POLY = 0xedb88320;

/** a × b modulo the polynomial (both reflected, x^0 in the top bit). */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial, for k = 0..31. */
const X2N: number[] = (() => {
  const table: number[] = [];
  let p = 0x40000000; // x^1
  table.push(p);
  for (let k = 1; k < 32; k++) table.push((p = multiplyModP(p, p)));
  return table;
})();

/** x^(n × 2^k) modulo the polynomial. */
function xPowerModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2) p = multiplyModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** The CRC32 of A followed by B, from crc(A), crc(B) and B's length (zlib's crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(xPowerModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}

/** Big-endian, base64: how S3 spells a CRC32. */
export function crc32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

/** Each part's CRC32 in order, and the checksum S3 should report for the object they make. */
export class PartChecksums {
  readonly parts: number[] = [];
  bytes = 0;
  whole = 0;

  add(crc: number, length: number): void {
    this.parts.push(crc >>> 0);
    this.whole = crc32Combine(this.whole, crc, length);
    this.bytes += length;
  }

  /** Whole-object for a single PUT or a FULL_OBJECT upload, composite (`crc-of-crcs-N`) otherwise. */
  expected(type: string | undefined): string {
    if (this.parts.length <= 1 || type === 'FULL_OBJECT') return crc32Base64(this.whole);
    const joined = Buffer.alloc(this.parts.length * 4);
    for (const [i, part] of this.parts.entries()) joined.writeUInt32BE(part, i * 4);
    return `${crc32Base64(crc32Of(joined))}-${this.parts.length}`;
  }
}
