/** Reading and writing sidecars in a store. */
import type { ObjectStore } from '../store/store.ts';
import { metaKey } from './layout.ts';
import { type BackupMeta, type DecodedMeta, decodeMeta, encodeMeta } from './meta.ts';

export async function writeMeta(store: ObjectStore, meta: BackupMeta): Promise<void> {
  await store.writeText(metaKey(meta.app, meta.environment, meta.id), encodeMeta(meta));
}

export async function readMeta(store: ObjectStore, app: string, environment: string, id: string): Promise<DecodedMeta | undefined> {
  const text = await store.readText(metaKey(app, environment, id));
  return text === undefined ? undefined : decodeMeta(text);
}
