// The CRC32s the S3 store checks an upload against: the whole object's, derived from the parts'
// without a second pass over the data, must equal a CRC32 of the whole; the composite one is S3's
// "CRC32 of the parts' CRC32s, dash, part count".
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { crc32Base64, crc32Combine, PartChecksums } from '../../src/store/crc32.ts';

it("the CRC32 combined from any split equals the whole body's CRC32", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 6 }), (pieces) => {
      const sums = new PartChecksums();
      for (const piece of pieces) sums.add(crc32(piece), piece.length);
      const whole = Buffer.concat(pieces);
      expect(sums.bytes).toBe(whole.length);
      expect(sums.whole).toBe(crc32(whole));
      expect(sums.expected('FULL_OBJECT')).toBe(crc32Base64(crc32(whole)));
    }),
  );
  // Lengths of 4 GiB and more (a 5 TB object): two halves combine as the whole length does.
  const [a, b, c] = [0x1234_5678, 0x9abc_def0, 0x0f0f_0f0f];
  expect(crc32Combine(crc32Combine(a, 0, 2 ** 31), 0, 2 ** 31)).toBe(crc32Combine(a, 0, 2 ** 32));
  expect(crc32Combine(crc32Combine(a, b, 2 ** 33 + 7), c, 2 ** 32 + 3)).toBe(crc32Combine(a, crc32Combine(b, c, 2 ** 32 + 3), 3 * 2 ** 32 + 10));
  expect(crc32Combine(crc32(Buffer.from('berth')), crc32(Buffer.from(' backups')), 8)).toBe(crc32(Buffer.from('berth backups')));
});

it('a multipart object is expected with the composite CRC32, a single part with the whole CRC32', () => {
  const parts = [Buffer.from('first part'), Buffer.from('second'), Buffer.from('3')];
  const sums = new PartChecksums();
  for (const part of parts) sums.add(crc32(part), part.length);
  const joined = Buffer.concat(parts.map((p) => Buffer.from(crc32Base64(crc32(p)), 'base64')));
  expect(sums.expected('COMPOSITE')).toBe(`${crc32Base64(crc32(joined))}-3`);
  expect(sums.expected(undefined)).toBe(`${crc32Base64(crc32(joined))}-3`);
  const single = new PartChecksums();
  single.add(crc32(parts[0]!), parts[0]!.length);
  expect(single.expected('COMPOSITE')).toBe(crc32Base64(crc32(parts[0]!)));
});
