/**
 * The applied stamp: every object berth applies carries a hash of exactly what berth sent
 * (`berth.dev/applied`). A live object whose stamp matches what berth would send now, and that no
 * one but berth has written (its managedFields), would not change if applied again, so a deploy
 * need not even dry-run it (deploy/plan.ts untouchedSinceApplied). Stamping happens in the one
 * apply path (applySet), so a dry run and the real apply send the same bytes.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../model/kube-object.ts';
import { ANNOTATION } from '../model/labels.ts';

type Annotated = { metadata: { annotations?: Record<string, string> } };

/** The object without its stamp (what the stamp is a hash of). */
function unstamped<T extends Annotated>(object: T): T {
  const annotations = object.metadata.annotations;
  if (!annotations || !(ANNOTATION.applied in annotations)) return object;
  const { [ANNOTATION.applied]: _stamp, ...rest } = annotations;
  const metadata = { ...object.metadata };
  if (Object.keys(rest).length) metadata.annotations = rest;
  else delete metadata.annotations;
  return { ...object, metadata };
}

/** Hash of what berth sends for this object, stamp aside (key order is the renderer's, stable). */
export function appliedHash(object: KubeObject): string {
  return createHash('sha256')
    .update(JSON.stringify(unstamped(object)))
    .digest('base64url')
    .slice(0, 22);
}

/** The object as berth applies it: stamped with the hash of its content. */
export function stamped(object: KubeObject): KubeObject {
  const bare = unstamped(object);
  const hash = appliedHash(bare);
  return { ...bare, metadata: { ...bare.metadata, annotations: { ...bare.metadata.annotations, [ANNOTATION.applied]: hash } } } as KubeObject;
}
