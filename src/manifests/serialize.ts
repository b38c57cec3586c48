/** Rendered objects as text: a YAML stream for kubectl/GitOps, or a JSON v1 List. */
import { canonical } from './canonical.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { emitYaml } from './yaml-emit.ts';

export function toYaml(object: KubeObject): string {
  return emitYaml(object);
}

export function toYamlStream(objects: KubeObject[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join('');
}

export function toJsonList(objects: KubeObject[]): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects.map((o) => canonical(o)) }, null, 2)}\n`;
}
