/**
 * Probes from an app's health settings. Readiness decides traffic and rollout progress, liveness
 * restarts a hung process, and the startup probe holds both off during a slow first boot.
 */
import type { V1Probe } from '@kubernetes/client-node';
import type { ResolvedProcess } from '../config/resolved.ts';

const STARTUP_PERIOD = 5;

export interface Probes {
  startupProbe?: V1Probe;
  readinessProbe?: V1Probe;
  livenessProbe?: V1Probe;
}

export function probesFor(process: ResolvedProcess): Probes {
  if (process.port === undefined) return {};
  const tcp: V1Probe = { tcpSocket: { port: 'http' } };
  const check: V1Probe = process.health.path ? { httpGet: { path: process.health.path, port: 'http' } } : tcp;
  return {
    startupProbe: {
      ...check,
      periodSeconds: STARTUP_PERIOD,
      timeoutSeconds: 3,
      failureThreshold: Math.max(1, Math.ceil(process.health.startupTimeout / STARTUP_PERIOD)),
    },
    // Seed 003's failover tuning: unready after two missed checks.
    readinessProbe: { ...check, periodSeconds: process.health.interval, timeoutSeconds: 3, failureThreshold: 2 },
    // Liveness only asks whether the process answers at all: a health path that checks the
    // database would restart every pod while the database is down, turning an outage into a crash loop.
    livenessProbe: { ...tcp, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  };
}
