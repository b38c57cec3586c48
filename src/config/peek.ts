/**
 * Where a command will talk to, read from the config before it is validated: the environment
 * (--env, else the first), its namespace and the kube context. Used only to start read-only
 * requests early; the command checks the validated config agrees before it uses their answers.
 */
export interface PeekedTarget {
  environment: string;
  namespace: string;
  context: string | undefined;
}

export function peekTarget(raw: unknown, requestedEnv: unknown, kubeContext: unknown): PeekedTarget | undefined {
  if (!isRecord(raw) || !isRecord(raw.environments)) return undefined;
  const environment = typeof requestedEnv === 'string' ? requestedEnv : Object.keys(raw.environments)[0];
  const settings = environment === undefined ? undefined : raw.environments[environment];
  if (environment === undefined || !isRecord(settings) || typeof settings.namespace !== 'string') return undefined;
  const cluster = isRecord(raw.cluster) ? raw.cluster : {};
  const context = typeof kubeContext === 'string' ? kubeContext : typeof cluster.context === 'string' ? cluster.context : undefined;
  return { environment, namespace: settings.namespace, context };
}

export function sameTarget(peeked: PeekedTarget, environment: string, namespace: string, context: string | undefined): boolean {
  return peeked.environment === environment && peeked.namespace === namespace && peeked.context === context;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
