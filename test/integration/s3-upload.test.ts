/**
 * The S3 store's streamed multipart upload against a real S3 server (versitygw): the object holds
 * exactly the bytes streamed (its part buffers are reused, so a buffer handed back too early would
 * show here), and a body that fails or a Ctrl-C mid-upload leaves neither an object nor a pending
 * multipart upload behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, expect, it } from 'vitest';
import { BackupError } from '../../src/backup/failure.ts';
import { S3Store } from '../../src/store/s3.ts';
import type { S3Info } from '../../testenv/s3.ts';
import { describeCluster, requireEnv } from './helpers.ts';

const MIB = 1024 * 1024;

/** `total` random bytes in chunks of 64 KiB (as pg_dump's pipe delivers them), then `end` (an error, or the end). */
function body(total: number, options: { fail?: Error; slow?: boolean } = {}): { stream: Readable; hash: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    async read() {
      if (options.slow) await sleep(1);
      if (sent >= total) {
        if (options.fail) this.destroy(options.fail);
        else this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(64 * 1024, total - sent));
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, hash: () => hash.digest('hex') };
}

describeCluster('S3 store uploads', () => {
  let s3: S3Info;
  let client: S3Client;
  let store: S3Store;
  const prefix = `upload-${randomBytes(4).toString('hex')}`;

  beforeAll(() => {
    const env = requireEnv();
    if (!env.s3) throw new Error('the test environment has no S3 server');
    s3 = env.s3;
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials });
    store = new S3Store({ bucket: s3.bucket, endpoint: s3.endpoint, prefix, credentials });
  });

  const download = async (key: string) => {
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${key}` }));
    return createHash('sha256')
      .update(await object.Body!.transformToByteArray())
      .digest('hex');
  };
  const pendingUploads = async () => (await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: `${prefix}/` }))).Uploads ?? [];
  const exists = (key: string) =>
    client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${key}` })).then(
      () => true,
      (error: { name?: string }) => (error.name === 'NotFound' ? false : Promise.reject(error)),
    );

  it('a multi-part archive arrives byte for byte, with the composite CRC32 the store checked', async () => {
    // 4 full parts of 8 MiB and a short fifth: more parts than buffers, so every buffer is reused.
    const { stream, hash } = body(33 * MIB + 12_345);
    const written = await store.write('big/archive.bin', stream, { sizeHint: 33 * MIB });
    expect(written.bytes).toBe(33 * MIB + 12_345);
    expect(await download('big/archive.bin')).toBe(hash());
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/big/archive.bin`, ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32).toMatch(/-5$/);
    expect(await pendingUploads()).toEqual([]);
  });

  it('an archive smaller than a part goes up in one PUT, checked the same way', async () => {
    const { stream, hash } = body(100_000);
    expect((await store.write('small/archive.bin', stream)).bytes).toBe(100_000);
    expect(await download('small/archive.bin')).toBe(hash());
  });

  it("a body that fails mid-upload (pg_dump's failure) is reported as such; no object, no pending upload", async () => {
    const failure = new BackupError('PG_DUMP_FAILED', 'pg_dump exited 1');
    const { stream } = body(20 * MIB, { fail: failure });
    await expect(store.write('failed/archive.bin', stream)).rejects.toBe(failure);
    expect(await exists('failed/archive.bin')).toBe(false);
    expect(await pendingUploads()).toEqual([]);
  });

  it('Ctrl-C mid-upload: the body is stopped, the upload aborted, nothing left behind', async () => {
    const { stream } = body(200 * MIB, { slow: true });
    const controller = new AbortController();
    const writing = store.write('interrupted/archive.bin', stream, { signal: controller.signal });
    // Once the first parts are staged.
    for (let i = 0; i < 400 && (await pendingUploads()).length === 0; i++) await sleep(25);
    expect(await pendingUploads()).toHaveLength(1);
    controller.abort();
    await expect(writing).rejects.toMatchObject({ code: 'UPLOAD_INCOMPLETE' });
    expect(stream.destroyed).toBe(true);
    expect(await exists('interrupted/archive.bin')).toBe(false);
    expect(await pendingUploads()).toEqual([]);
  });
});
