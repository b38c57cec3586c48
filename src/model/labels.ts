/**
 * Labels on everything berth renders. The managed-by + app + environment labels are how a later
 * deploy finds what it owns, so it can prune objects no longer rendered and touch nothing else.
 */
/** What labels need to know of an app: its name, environment and the tag being rendered. */
export interface LabelledApp {
  name: string;
  environment: string;
  tag: string;
}

export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  version: 'app.kubernetes.io/version',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  app: 'berth.dev/app',
  environment: 'berth.dev/environment',
} as const;

export const ANNOTATION = {
  configHash: 'berth.dev/config-hash',
  secretsHash: 'berth.dev/secrets-hash',
  imageTag: 'berth.dev/image-tag',
  /** Set by `berth deploy --restart` and `berth restart` on pod templates: rolls the pods. */
  restartedAt: 'berth.dev/restarted-at',
  /** On every object berth applies: a hash of what it sent (cluster/applied-stamp.ts). */
  applied: 'berth.dev/applied',
} as const;

export const MANAGED_BY = 'berth';

/** The annotation berth's own prune honours (value `never`). */
export const KEEP_ON_PRUNE_KEY = 'berth.dev/prune';

/**
 * On objects that hold data (namespaces, volumes, the database server): removing them from the
 * rendered output must never delete them, whether berth, Flux or Argo CD does the pruning.
 */
export const KEEP_ON_PRUNE: Record<string, string> = {
  [KEEP_ON_PRUNE_KEY]: 'never',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'argocd.argoproj.io/sync-options': 'Prune=false',
};

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Labels for one app's objects; `component` is the process, cron task or volume. No version:
 * a Service or a ConfigMap has none, and a label that moves with every tag would rewrite every
 * object of the app on each deploy (and every file of a GitOps render). Workloads carry it.
 */
export function appLabels(app: Pick<LabelledApp, 'name' | 'environment'>, component?: string): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.name]: app.name,
    [LABEL.instance]: `${app.name}-${app.environment}`.slice(0, 63).replace(/-+$/, ''),
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.partOf]: app.name,
    [LABEL.app]: app.name,
    [LABEL.environment]: app.environment,
  };
  if (component) labels[LABEL.component] = component;
  return labels;
}

/** Labels for what runs the app's image (Deployments, its CronJobs, their pods): with the version. */
export function workloadLabels(app: LabelledApp, component: string): Record<string, string> {
  const labels = appLabels(app, component);
  // A tag is up to 128 characters; only a valid label value can be a label.
  if (app.tag.length <= 63 && LABEL_VALUE.test(app.tag)) labels[LABEL.version] = app.tag;
  return labels;
}

/** Selector labels never include the version: a Deployment's selector is immutable. */
export function selectorLabels(app: Pick<LabelledApp, 'name' | 'environment'>, component: string): Record<string, string> {
  return { [LABEL.name]: app.name, [LABEL.component]: component, [LABEL.environment]: app.environment };
}

/** Labels for objects that belong to an environment rather than one app (namespace, certificates). */
export function environmentLabels(environment: string): Record<string, string> {
  return { [LABEL.managedBy]: MANAGED_BY, [LABEL.environment]: environment };
}

/** Cluster add-ons berth renders (`render --platform`): never an environment's, so never pruned by one. */
export function platformLabels(component: string): Record<string, string> {
  return { [LABEL.managedBy]: MANAGED_BY, 'berth.dev/platform': component };
}
