/** Rendered objects as text: a YAML stream for kubectl/GitOps, or a JSON v1 List. */
import { stringify } from 'yaml';
import type { KubeObject } from './object.ts';

export function toYaml(object: KubeObject): string {
  // lineWidth 0: never fold long strings, so the YAML round-trips exactly.
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function toYamlStream(objects: KubeObject[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join('');
}

export function toJsonList(objects: KubeObject[]): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
}
