/**
 * One deploy at a time per environment: a coordination.k8s.io Lease in the environment's
 * namespace, renewed while the deploy runs. A holder that dies (SIGKILL, a lost laptop) stops
 * renewing and the lease expires after its duration, so the lock cannot go stale (Kamal #656,
 * Helm's "another operation is in progress"). Updates use the resourceVersion, so two deploys
 * racing for an expired lease cannot both win.
 *
 * Expiry is judged like client-go's leader election when waiting: a lease is expired when its
 * record has not changed for its duration as observed on this machine's clock, which does not
 * depend on the holder's clock. Without waiting, the holder's renewTime is all there is.
 */
import { hostname, userInfo } from 'node:os';
import { BerthError, ExitCode } from '../errors.ts';
import type { Cluster } from '../cluster/connect.ts';
import { httpStatus, kubeError } from '../cluster/errors.ts';
import { getIn } from '../cluster/read.ts';

export const LOCK_NAME = 'berth-deploy-lock';
/** Seconds a lease lasts without renewal; BERTH_LOCK_SECONDS shortens it (tests kill holders). */
export const DEFAULT_LEASE_SECONDS = 30;

function leaseSecondsFromEnv(): number {
  const fromEnv = Number(process.env.BERTH_LOCK_SECONDS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_LEASE_SECONDS;
}

const ANNOTATION = {
  user: 'berth.dev/lock-user',
  host: 'berth.dev/lock-host',
  pid: 'berth.dev/lock-pid',
  command: 'berth.dev/lock-command',
} as const;

export interface LockHolder {
  identity: string;
  user: string;
  host: string;
  pid: number | undefined;
  command: string;
  since: string | undefined;
  renewedAt: string | undefined;
  leaseSeconds: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

export interface LockOptions {
  namespace: string;
  environment: string;
  user: string;
  command: string;
  /** How long to wait for a held lock; 0 fails at once. */
  waitMs: number;
  signal?: AbortSignal;
  leaseSeconds?: number;
  now?: () => number;
  onWait?: (holder: LockHolder) => void;
  /**
   * The Lease's resourceVersion when the caller read the environment (null: there was no Lease).
   * Anything else when the lock is taken means a deploy ran in between (see HeldLock.changedSince).
   */
  since?: string | null;
  /** The Lease as read with `since`: a free one is taken without reading it again (a stale copy meets a conflict, and is read again). */
  seen?: Lease;
}

export interface HeldLock {
  holder: LockHolder;
  /**
   * Someone held or released the lock after the caller's read (or the caller gave no `since`):
   * what the caller read before taking the lock may be stale, and must be read again.
   */
  changedSince: boolean;
  /** Renewal failed (the API server is gone, or someone forced the lock away). */
  lost: AbortSignal;
  release(): Promise<void>;
}

const path = (namespace: string, name = '') => `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases${name ? `/${name}` : ''}`;

export async function acquireLock(cluster: Cluster, options: LockOptions): Promise<HeldLock> {
  const now = options.now ?? Date.now;
  const leaseSeconds = options.leaseSeconds ?? leaseSecondsFromEnv();
  const identity = `${options.user}@${hostname()} pid ${process.pid} ${Date.now().toString(36)}`;
  const deadline = now() + options.waitMs;
  // Local observation of the holder's record, for clock-independent expiry.
  let observed: { resourceVersion: string | undefined; at: number } | undefined;
  let announced = false;
  // What the caller read is tried first when it says the lock is free; the write's resourceVersion
  // (or the create's name) refuses it if it is not.
  let known: Lease | undefined | null = options.since === null ? null : options.seen && !options.seen.spec.holderIdentity ? options.seen : undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const current = known === null ? undefined : (known ?? (await readLock(cluster, options.namespace)));
    known = undefined;
    const stamp = microTime(now());
    const annotations = {
      [ANNOTATION.user]: options.user,
      [ANNOTATION.host]: hostname(),
      [ANNOTATION.pid]: String(process.pid),
      [ANNOTATION.command]: options.command,
    };
    if (!current) {
      const created = await write(cluster, 'POST', options.namespace, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: LOCK_NAME, namespace: options.namespace, annotations, labels: { 'berth.dev/environment': options.environment } },
        spec: { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: stamp, renewTime: stamp, leaseTransitions: 0 },
      });
      if (created) return hold(cluster, created, options, leaseSeconds, now, options.since !== null);
      continue;
    }
    const holder = holderOf(current);
    if (observed?.resourceVersion !== current.metadata.resourceVersion) observed = { resourceVersion: current.metadata.resourceVersion, at: now() };
    const free = !current.spec.holderIdentity || expired(current, observed?.at ?? now(), now());
    if (free) {
      const taken = await write(cluster, 'PUT', options.namespace, {
        ...current,
        metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, ...annotations } },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: stamp,
          renewTime: stamp,
          leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1,
        },
      });
      if (taken) return hold(cluster, taken, options, leaseSeconds, now, options.since !== current.metadata.resourceVersion);
      continue;
    }
    if (now() >= deadline) throw heldError(holder, options);
    if (!announced) options.onWait?.(holder);
    announced = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(1000, Math.max(50, deadline - now())));
      options.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

/** Expired when the record has not changed for its duration since we saw it, or its own renewTime says so. */
function expired(lease: Lease, observedAt: number, now: number): boolean {
  const duration = (lease.spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  const renewed = Date.parse(lease.spec.renewTime ?? '') || 0;
  return now - observedAt >= duration || now - renewed >= duration;
}

function hold(cluster: Cluster, lease: Lease, options: LockOptions, leaseSeconds: number, now: () => number, changedSince: boolean): HeldLock {
  const lost = new AbortController();
  let current = lease;
  let released = false;
  // Renew at a third of the duration: two renewals may fail before the lease lapses.
  const timer = setInterval(
    async () => {
      if (released) return;
      try {
        const renewed = await write(cluster, 'PUT', options.namespace, { ...current, spec: { ...current.spec, renewTime: microTime(now()) } });
        if (renewed) current = renewed;
        else lost.abort(new Error('the deploy lock was taken by someone else (berth lock release --force?)'));
      } catch {
        // The API server may be restarting; the next tick tries again while the lease lasts.
        if (now() - (Date.parse(current.spec.renewTime ?? '') || 0) > leaseSeconds * 1000)
          lost.abort(new Error('the deploy lock expired: the Kubernetes API was unreachable for too long'));
      }
    },
    Math.max(200, (leaseSeconds * 1000) / 3),
  );
  timer.unref();
  return {
    holder: holderOf(lease),
    changedSince,
    lost: lost.signal,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // Clear the holder rather than delete: a waiting deploy sees the change at once. The copy
      // from the last renewal is written first; if the Lease changed since, it is read again.
      const clear = (lease: Lease) =>
        write(cluster, 'PUT', options.namespace, { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(now()) } }).catch(() => undefined);
      if (await clear(current)) return;
      const latest = await readLock(cluster, options.namespace).catch(() => undefined);
      if (!latest || latest.spec.holderIdentity !== current.spec.holderIdentity) return;
      await clear(latest);
    },
  };
}

export async function lockStatus(cluster: Cluster, namespace: string, now = Date.now()): Promise<(LockHolder & { expired: boolean }) | undefined> {
  const lease = await readLock(cluster, namespace);
  if (!lease?.spec.holderIdentity) return undefined;
  return { ...holderOf(lease), expired: expired(lease, now, now) };
}

/** Clears the holder whoever it is: for a lock whose holder is known to be gone. */
export async function forceRelease(cluster: Cluster, namespace: string): Promise<LockHolder | undefined> {
  const lease = await readLock(cluster, namespace);
  if (!lease?.spec.holderIdentity) return undefined;
  const cleared = await write(cluster, 'PUT', namespace, { ...lease, spec: { ...lease.spec, holderIdentity: '' } });
  if (!cleared)
    throw new BerthError('The deploy lock changed while releasing it', { exitCode: ExitCode.conflict, hint: 'Run `berth lock status` and try again.' });
  return holderOf(lease);
}

/** The lock's Lease now, undefined when there is none (for LockOptions.since and seen). */
export async function readLock(cluster: Cluster, namespace: string): Promise<Lease | undefined> {
  return getIn<Lease>(cluster, 'Lease', namespace, LOCK_NAME);
}

/** Create or replace; undefined when someone else changed it first (409). */
async function write(cluster: Cluster, method: 'POST' | 'PUT', namespace: string, lease: Lease): Promise<Lease | undefined> {
  try {
    return await cluster.objects.sendRaw<Lease>(method, method === 'POST' ? path(namespace) : path(namespace, LOCK_NAME), lease);
  } catch (error) {
    if (httpStatus(error) === 409) return undefined;
    throw kubeError(error, `write the deploy lock (Lease ${namespace}/${LOCK_NAME})`);
  }
}

function holderOf(lease: Lease): LockHolder {
  const a = lease.metadata.annotations ?? {};
  return {
    identity: lease.spec.holderIdentity ?? '',
    user: a[ANNOTATION.user] ?? 'unknown',
    host: a[ANNOTATION.host] ?? 'unknown',
    pid: a[ANNOTATION.pid] ? Number(a[ANNOTATION.pid]) : undefined,
    command: a[ANNOTATION.command] ?? 'unknown',
    since: lease.spec.acquireTime,
    renewedAt: lease.spec.renewTime,
    leaseSeconds: lease.spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS,
  };
}

function heldError(holder: LockHolder, options: LockOptions): BerthError {
  return new BerthError(
    `${options.environment} is being deployed by ${holder.user} on ${holder.host}${holder.pid ? ` (pid ${holder.pid})` : ''} since ${holder.since ?? 'unknown'}: ${holder.command}`,
    {
      exitCode: ExitCode.conflict,
      hint: `Wait for it (--lock-wait 5m), or if that deploy is gone, its lock expires ${holder.leaseSeconds} s after its last renewal (${holder.renewedAt ?? 'unknown'}); \`berth lock release --force --env ${options.environment}\` clears it now.`,
    },
  );
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
