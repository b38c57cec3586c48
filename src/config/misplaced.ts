/**
 * Fields people write in the wrong place, with where they belong. Checked before the spelling
 * suggestion, so `apps.web.singleton` says where singleton goes instead of "did you mean …".
 */

interface Misplaced {
  /** The parent object's path, with `*` for a name (an app, a process). */
  parent: string[];
  key: string;
  message: (value: unknown) => string;
}

const show = (value: unknown) => JSON.stringify(value) ?? 'true';

const MISPLACED: Misplaced[] = [
  {
    parent: ['apps', '*'],
    key: 'singleton',
    message: (value) =>
      `singleton belongs to a process, not the app: processes: { web: { singleton: ${show(value)} } } (or the name of the process that must run once)`,
  },
  {
    parent: ['apps', '*'],
    key: 'fsGroup',
    message: (value) => `fsGroup moved into the security context: securityContext: { fsGroup: ${show(value)} }`,
  },
  {
    parent: ['apps', '*'],
    key: 'command',
    message: (value) => `command belongs to a process: processes: { web: { command: ${show(value)} } }`,
  },
  {
    parent: ['environments', '*', 'apps', '*'],
    key: 'singleton',
    message: () => 'singleton is part of the app, not an environment override: set it under apps.<app>.processes.<process>',
  },
];

export function misplacedField(parent: ReadonlyArray<PropertyKey>, key: string, value: unknown): string | undefined {
  const found = MISPLACED.find((m) => m.key === key && m.parent.length === parent.length && m.parent.every((part, i) => part === '*' || part === parent[i]));
  return found?.message(value);
}
