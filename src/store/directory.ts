/**
 * A directory store: local disk for the CLI, or the PVC / NFS share mounted into the backup
 * CronJob. A body is written to `<key>.partial-<random>` beside its final name, flushed to disk
 * (fsync), its size checked, then renamed into place (atomic on one filesystem) and the directory
 * synced, so a crash or a full disk never leaves a truncated file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkKey, type ObjectStore, StoreError, type StoredObject, type WriteOptions } from './store.ts';

export const PARTIAL_MARK = '.partial-';

export class DirectoryStore implements ObjectStore {
  readonly description: string;
  readonly root: string;
  constructor(root: string) {
    this.root = root;
    this.description = `directory ${root}`;
  }

  private path(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<{ bytes: number }> {
    const final = this.path(key);
    await mkdir(dirname(final), { recursive: true }).catch((error: unknown) => {
      throw fsError(error, `create ${dirname(final)}`);
    });
    const temp = `${final}${PARTIAL_MARK}${randomBytes(4).toString('hex')}`;
    let read = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        read += chunk.length;
        done(null, chunk);
      },
    });
    try {
      const out = createWriteStream(temp, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 18 });
      await pipeline(body, counter, out, { signal: options.signal });
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
        const { size } = await handle.stat();
        if (size !== read) throw new StoreError('STORE_WRITE_FAILED', `${temp} holds ${size} bytes after writing ${read}`);
      } finally {
        await handle.close();
      }
      await rename(temp, final);
      await syncDir(dirname(final));
      return { bytes: read };
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      // The body's own failure (a failed dump, an abort) passes through unchanged.
      throw isFsError(error) ? fsError(error, `write ${final}`) : error;
    }
  }

  async read(key: string): Promise<Readable> {
    const path = this.path(key);
    const info = await stat(path).catch((error: unknown) => {
      throw fsError(error, `read ${path}`);
    });
    if (!info.isFile()) throw new StoreError('STORE_READ_FAILED', `${path} is not a file`);
    return createReadStream(path, { highWaterMark: 1 << 18 });
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError(error, `read ${this.path(key)}`);
    }
  }

  async writeText(key: string, text: string): Promise<void> {
    const final = this.path(key);
    const temp = `${final}${PARTIAL_MARK}${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(dirname(final), { recursive: true });
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, final);
      await syncDir(dirname(final));
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw fsError(error, `write ${final}`);
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const dir = prefix ? this.path(prefix.replace(/\/$/, '')) : this.root;
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw fsError(error, `list ${dir}`);
    });
    const objects: StoredObject[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const info = await stat(join(dir, entry.name)).catch(() => undefined);
      if (info) objects.push({ key: `${prefix}${entry.name}`, bytes: info.size, modified: info.mtime });
    }
    return objects;
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true }).catch((error: unknown) => {
      throw fsError(error, `remove ${this.path(key)}`);
    });
  }
}

function isFsError(error: unknown): boolean {
  return error instanceof StoreError || typeof (error as NodeJS.ErrnoException)?.syscall === 'string';
}

/** Makes a rename durable: fsync the directory that holds it. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems (NFS, some FUSE mounts) refuse fsync on a directory; the rename stands.
  } finally {
    await handle.close();
  }
}

function fsError(error: unknown, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StoreError('DISK_FULL', `Could not ${doing}: no space left on the backup store`, {
      hint: 'Free space on the store (berth backup prune APP --yes removes expired backups) or give it more room.',
      cause: error,
    });
  }
  if (code === 'ENOENT') return new StoreError('NOT_FOUND', `Could not ${doing}: no such file`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new StoreError('STORE_WRITE_FAILED', `Could not ${doing}: ${code === 'EROFS' ? 'read-only filesystem' : 'permission denied'}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(/^read|^list/.test(doing) ? 'STORE_READ_FAILED' : 'STORE_WRITE_FAILED', `Could not ${doing}: ${message}`, { cause: error });
}
