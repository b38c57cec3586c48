/**
 * The podman command line the image helpers build for a rendered container: the kubelet's
 * semantics (command replaces the entrypoint, security context, memory limit), and secret values
 * only ever in podman's environment, never in its argv (visible to every user in ps).
 */
import { describe, expect, it } from 'vitest';
import { podmanRunArgs } from '../../testenv/image/run.ts';

describe('podmanRunArgs', () => {
  it('names environment variables without their values, on the host network', () => {
    const args = podmanRunArgs(['migrate', 'apply'], { env: { PGPASSWORD: 's3cret-value', DATABASE_URL: 'postgres://u:s3cret-value@h/db' }, image: 'img' });
    expect(args.join(' ')).not.toContain('s3cret-value');
    expect(args).toEqual(['run', '--rm', '--network=host', '--pull=never', '--env', 'DATABASE_URL', '--env', 'PGPASSWORD', 'img', 'migrate', 'apply']);
  });

  it('translates a container: command as entrypoint, capabilities, no privilege escalation, memory, read-only mounts', () => {
    const args = podmanRunArgs([], {
      image: 'img',
      entrypoint: ['berth', 'migrate', 'apply', '--dir', '/berth/migrations'],
      security: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsUser: 1000 },
      memoryLimit: '512Mi',
      mounts: [{ source: '/tmp/m', target: '/berth/migrations', readOnly: true }],
    });
    expect(args.join(' ')).toBe(
      'run --rm --network=host --pull=never --volume /tmp/m:/berth/migrations:ro --cap-drop ALL --security-opt no-new-privileges --read-only --user 1000 ' +
        '--memory 536870912 --entrypoint ["berth","migrate","apply","--dir","/berth/migrations"] img',
    );
  });

  it('refuses what it cannot translate faithfully', () => {
    expect(() => podmanRunArgs([], { env: { 'A=B': 'x' } })).toThrow(/not an environment variable name/);
    expect(() => podmanRunArgs([], { memoryLimit: '1e9' })).toThrow(/memory quantity/);
  });
});
