/**
 * Security contexts that cannot work: refused by the kubelet (error), or accepted but bound to
 * fail at start or be refused by Pod Security admission (warnings).
 */
import { join } from './field-path.ts';
import { knownImage } from './known-images.ts';
import { resolveSecurity } from './resolve.ts';
import type { RuleResult } from './rules.ts';
import type { ResolvedApp } from './resolved.ts';
import type { ParsedConfig, SecurityContextConfig } from './schema.ts';

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

/**
 * Per resolved app: each process's image, volumes and merged settings come from resolve; the raw
 * config only says where a setting was written, for the path. The app's own settings are checked
 * on the process that runs its image (web, or the first), a process's settings where it has them.
 */
export function checkSecurity(config: ParsedConfig, app: ResolvedApp, result: RuleResult): void {
  const base = config.apps[app.name]!;
  const at = join('apps', app.name);
  for (const [index, process] of app.processes.entries()) {
    const own = base.processes?.[process.name]?.securityContext;
    if (!own && index > 0) continue;
    const mounts = app.volumes.filter((v) => process.volumes.includes(v.name)).map((v) => v.mountPath.replace(/\/+$/, ''));
    const path = own ? join(join(join(at, 'processes'), process.name), 'securityContext') : join(at, 'securityContext');
    checkOne(process.image, base.securityContext, own, path, mounts, result);
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
