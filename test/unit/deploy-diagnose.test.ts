// The plain-language causes a failed deploy prints, for each failure the verdict can give.
import { describe, expect, it } from 'vitest';
import { explain } from '../../src/deploy/diagnose.ts';

const context = {
  app: 'api',
  process: 'web',
  namespace: 'shop',
  environment: 'production',
  image: 'ghcr.io/acme/api:v2',
  healthPath: '/healthz',
  port: 3000,
  memoryLimit: '512Mi',
};

describe('diagnosis in plain words', () => {
  it('names the image, the exit code, the memory limit and the probe', () => {
    expect(explain({ code: 'image-pull', message: 'Back-off pulling image' }, context).cause).toMatch(
      /ghcr\.io\/acme\/api:v2 could not be pulled.*imagePullSecret/,
    );
    expect(explain({ code: 'crash-loop', message: '', pod: 'api-1', container: 'api', exitCode: 127, restarted: true }, context).cause).toMatch(
      /exits with code 127 \(command not found/,
    );
    expect(explain({ code: 'oom-killed', message: '', container: 'api' }, context).cause).toMatch(/at its 512Mi limit/);
    expect(explain({ code: 'timeout', message: 'still waiting for 0 of 2 ready' }, context).cause).toMatch(/readiness probe \(GET \/healthz on port 3000\)/);
    expect(explain({ code: 'init-failed', message: '', pod: 'api-1', container: 'migrate', exitCode: 1 }, context).cause).toMatch(
      /^The migration failed: init container migrate in pod api-1 exited with code 1/,
    );
  });

  it('tells an unbound volume claim apart from a lack of capacity', () => {
    const volume = explain({ code: 'unschedulable', message: '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.' }, context);
    expect(volume.cause).toMatch(/volume claim is not bound/);
    expect(volume.next).toContain('kubectl -n shop get pvc');
    expect(explain({ code: 'unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.' }, context).cause).toMatch(
      /No node can take the pod.*Lower resources\.requests/,
    );
  });

  it('points at the failing pod with commands that exist', () => {
    const { next } = explain({ code: 'crash-loop', message: '', pod: 'api-1', container: 'api', restarted: true }, context);
    // berth logs: every pod of the process, prefixed, the previous instance of a restarted container.
    expect(next).toEqual(['kubectl -n shop describe pod api-1', 'berth logs api/web --env production --previous']);
  });
});
