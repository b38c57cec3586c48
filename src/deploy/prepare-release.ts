/**
 * The release a deploy applies, made from what it read: rendered, the change of a `config set`,
 * `scale`, `secret set` or `restart` applied, and pinned to its config and secret values.
 */
import type { RawObject } from '../cluster/watch.ts';
import type { resolveEnvironment } from '../config/resolve.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { LABEL } from '../model/labels.ts';
import { secretName } from '../model/names.ts';
import { render } from '../render/index.ts';
import type { DeployInputs } from './early-reads.ts';
import { pinConfigAndSecrets } from './pin.ts';
import { keepRestartStamps, splitByApp, withRestart } from './plan.ts';
import type { DeployRequest } from './run.ts';
import { changed, encodeValues, scaled } from './runtime-values.ts';

export interface Prepared {
  shared: KubeObject[];
  pinned: Map<string, ReturnType<typeof pinConfigAndSecrets>>;
  /** The values as this release sets them (the change applied): written back once it is healthy. */
  runtimeEnv: DeployInputs['runtimeEnv'];
  runtimeScale: DeployInputs['runtimeScale'];
  secrets: DeployInputs['secrets'];
  changedSecret: string | undefined;
}

/**
 * The release's objects, rendered from what was read and pinned to its config and secret values;
 * pure (the reads are not changed). Everything that can refuse does so here, before anything is
 * applied: missing secrets, bad objects. The refusal is returned, for the caller to throw.
 */
export function attemptPrepare(
  request: DeployRequest,
  resolved: ReturnType<typeof resolveEnvironment>,
  selected: string[],
  namespace: string,
  reads: DeployInputs,
  live: ReadonlyMap<string, RawObject>,
  tags: Record<string, string>,
): Prepared | { refused: unknown } {
  try {
    const change = request.change;
    const runtimeEnv = { ...reads.runtimeEnv };
    const runtimeScale = { ...reads.runtimeScale };
    const secrets = new Map(reads.secrets);
    if (change?.kind === 'config') runtimeEnv[change.app] = changed(runtimeEnv[change.app] ?? {}, change);
    if (change?.kind === 'scale') runtimeScale[change.app] = scaled(runtimeScale[change.app] ?? {}, change.replicas);
    const rendered = keepRestartStamps(
      render(request.config, request.environment, { apps: request.apps.length ? request.apps : undefined, tags, env: runtimeEnv, replicas: runtimeScale }),
      live,
    );
    const now = new Date().toISOString();
    const restarted = request.restart
      ? withRestart(rendered, now)
      : change?.kind === 'restart'
        ? withRestart(
            rendered,
            now,
            (o) => o.metadata.labels?.[LABEL.app] === change.app && (!change.process || o.metadata.labels?.[LABEL.component] === change.process),
          )
        : rendered;
    const { shared, byApp } = splitByApp(restarted);
    const changedSecret =
      change?.kind === 'secret' ? (resolved.apps.find((a) => a.name === change.app)?.secretName ?? secretName({ name: change.app })) : undefined;
    if (change?.kind === 'secret' && changedSecret)
      secrets.set(changedSecret, changed(secrets.get(changedSecret) ?? {}, { set: encodeValues(change.set), unset: change.unset }));
    const appSecrets = (app: string) => resolved.apps.filter((a) => a.name === app && a.secrets.length).map((a) => a.secretName);
    const pinned = new Map(
      selected.map((app) => [app, pinConfigAndSecrets(app, namespace, byApp.get(app) ?? [], (name) => secrets.get(name), appSecrets(app))]),
    );
    return { shared, pinned, runtimeEnv, runtimeScale, secrets, changedSecret };
  } catch (error) {
    return { refused: error };
  }
}
