/**
 * Probes from an app's health settings. Readiness decides traffic and rollout progress, liveness
 * restarts a hung process, and the startup probe holds both off during a slow first boot.
 */
import type { V1Probe } from '@kubernetes/client-node';
import type { ResolvedProcess } from '../config/resolved.ts';

export interface Probes {
  startupProbe?: V1Probe;
  readinessProbe?: V1Probe;
  livenessProbe?: V1Probe;
}

export function probesFor(process: ResolvedProcess): Probes {
  if (process.port === undefined) return {};
  const tcp: V1Probe = { tcpSocket: { port: 'http' } };
  const check: V1Probe = process.health.path ? { httpGet: { path: process.health.path, port: 'http' } } : tcp;
  const { health } = process;
  return {
    startupProbe: {
      ...check,
      periodSeconds: health.startupInterval,
      timeoutSeconds: health.timeout,
      failureThreshold: Math.max(1, Math.ceil(health.startupTimeout / health.startupInterval)),
    },
    readinessProbe: { ...check, periodSeconds: health.interval, timeoutSeconds: health.timeout, failureThreshold: health.failureThreshold },
    // Liveness only asks whether the process answers at all: a health path that checks the
    // database would restart every pod while the database is down, turning an outage into a crash loop.
    livenessProbe: health.liveness
      ? { ...tcp, periodSeconds: health.liveness.interval, timeoutSeconds: health.liveness.timeout, failureThreshold: health.liveness.failureThreshold }
      : undefined,
  };
}
