/**
 * Security contexts that cannot work: refused by the kubelet (error), or accepted but bound to
 * fail at start or be refused by Pod Security admission (warnings).
 */
import { WEB_PROCESS } from './defaults.ts';
import { join } from './field-path.ts';
import { knownImage } from './known-images.ts';
import { resolveSecurity } from './resolve.ts';
import type { RuleResult } from './rules.ts';
import type { AppConfig, SecurityContextConfig } from './schema.ts';

/** What Pod Security "baseline" lets a container add back. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

export function checkSecurity(name: string, app: AppConfig, result: RuleResult): void {
  const at = join('apps', name);
  checkOne(app.image, app.securityContext, undefined, join(at, 'securityContext'), mountPaths(app, WEB_PROCESS), result);
  for (const [pname, process] of Object.entries(app.processes ?? {})) {
    if (!process.securityContext) continue;
    const image = process.image ?? app.image;
    checkOne(image, app.securityContext, process.securityContext, join(join(join(at, 'processes'), pname), 'securityContext'), mountPaths(app, pname), result);
  }
}

/** `own` is the process's settings over the app's; undefined when checking the app itself. */
function checkOne(
  image: string,
  appContext: SecurityContextConfig | undefined,
  processContext: SecurityContextConfig | undefined,
  at: string,
  mounts: string[],
  result: RuleResult,
): void {
  const own = processContext ?? appContext;
  const merged = { ...appContext, ...processContext };
  const security = resolveSecurity(appContext, processContext);
  const warn = (path: string, message: string) => result.warnings.push({ path, message });
  if (merged.runAsNonRoot === true && merged.runAsUser === 0) {
    result.errors.push({
      path: join(at, 'runAsNonRoot'),
      message: 'runAsUser 0 is root, which runAsNonRoot forbids: the kubelet would refuse to start the container; remove one of them',
    });
  }
  for (const [i, capability] of (own?.capabilities?.add ?? []).entries()) {
    if (!BASELINE_CAPABILITIES.has(capability.replace(/^CAP_/, ''))) {
      warn(
        `${join(join(at, 'capabilities'), 'add')}[${i}]`,
        `Pod Security "baseline" refuses ${capability}: a namespace enforcing it (the usual minimum) will not admit the pod`,
      );
    }
  }
  if (security.nonRoot && (merged.capabilities?.add?.length ?? 0) > 0) {
    warn(
      join(join(at, 'capabilities'), 'add'),
      'a non-root user never receives added capabilities (Kubernetes grants no ambient capabilities, and privilege escalation is off); remove them, or let the container start as root',
    );
  }
  const known = knownImage(image);
  if (known && security.nonRoot && (known.needsRoot || merged.runAsUser === undefined)) {
    const fix = known.needsRoot
      ? `use an unprivileged variant of the image, or remove runAsNonRoot/runAsUser`
      : `give runAsUser (the image's own user) and make sure its data volume belongs to that user, or remove runAsNonRoot`;
    warn(at, `the ${known.name} image ${known.startsAs}; it cannot start with runAsNonRoot as set here: ${fix}`);
  }
  if (known && security.readOnlyRootFilesystem) {
    const unwritable = known.writes.filter((path) => path !== '/tmp' && !mounts.some((m) => path === m || path.startsWith(`${m}/`)));
    if (unwritable.length) {
      warn(
        join(at, 'readOnlyRootFilesystem'),
        `the ${known.name} image writes to ${unwritable.join(', ')}: mount a volume there or leave the root filesystem writable (only /tmp is made writable)`,
      );
    }
  }
}

/** Mount paths of the volumes a process gets (the web process, or the first one, by default). */
function mountPaths(app: AppConfig, process: string): string[] {
  const first = app.port !== undefined || app.processes?.[WEB_PROCESS] ? WEB_PROCESS : Object.keys(app.processes ?? {}).sort()[0];
  return Object.values(app.volumes ?? {})
    .filter((v) => (v.processes ?? [first]).includes(process))
    .map((v) => v.mountPath.replace(/\/+$/, ''));
}
