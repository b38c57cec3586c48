/** Field paths as validation reports them: `apps.api.domains[1]`, `env["MY-VAR"]`. */
export function join(path: string, key: string): string {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (!path) return segment;
  return segment.startsWith('"') ? `${path}[${segment}]` : `${path}.${segment}`;
}
