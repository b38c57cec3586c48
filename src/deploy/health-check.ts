/**
 * The optional HTTP check after a rollout (seed 001's "rollout succeeds but app is broken"): the
 * first answer with the expected status passes; none within the retries fails the release and
 * rolls it back like any other failure (Kamal's gate).
 */
import type { Failure } from './verdict.ts';

export interface HealthCheck {
  url: string;
  /** Expected status; default: any 2xx or 3xx. */
  expectStatus?: number;
  retries: number;
  intervalMs: number;
  timeoutMs: number;
}

export async function runHealthCheck(check: HealthCheck, signal?: AbortSignal): Promise<{ ok: true; status: number } | { ok: false; failure: Failure }> {
  let last = '';
  for (let attempt = 0; attempt <= check.retries; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, check.intervalMs));
    signal?.throwIfAborted();
    try {
      const response = await fetch(check.url, { redirect: 'manual', signal: AbortSignal.timeout(check.timeoutMs) });
      await response.body?.cancel();
      const good = check.expectStatus ? response.status === check.expectStatus : response.status >= 200 && response.status < 400;
      if (good) return { ok: true, status: response.status };
      last = `GET ${check.url} answered ${response.status}${check.expectStatus ? ` (expected ${check.expectStatus})` : ' (expected 2xx or 3xx)'}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      last = `GET ${check.url} failed: ${cause === 'TimeoutError' ? `no answer within ${check.timeoutMs / 1000} s` : cause}`;
    }
  }
  return { ok: false, failure: { code: 'health-check', message: `${last}, ${check.retries + 1} attempt${check.retries ? 's' : ''}` } };
}
