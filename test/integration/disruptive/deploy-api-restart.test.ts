// berth deploy across an API server restart: its watches are cut and the API refuses requests for
// seconds; the deploy must reconnect and still give the right verdict, both ways.
import { afterAll, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.ts';
import { restartApiServer } from '../../../testenv/restart.ts';
import { events, historyOf, type Project, project, runningSpec, shopConfig, spawnBerth } from '../deploy-helpers.ts';
import { describeCluster } from '../helpers.ts';

const projects: Project[] = [];
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
});

async function deployed(prefix: string): Promise<Project> {
  const p = project(prefix);
  projects.push(p);
  p.write(shopConfig(p.namespace, { web: { replicas: 3 } }));
  await p.setSecret('web-secrets', { TOKEN: 'first' });
  const first = await p.berth(['deploy', '--tag', 'v1']);
  expect(first.code, `${first.stderr}${first.stdout.slice(-2000)}`).toBe(0);
  return p;
}

/** Starts the deploy, restarts the API server once the new release is being watched, and waits. */
async function deployThroughRestart(p: Project, tag: string) {
  // The controller-manager can take a minute to pick up again after the API server comes back
  // (its leader lease lapses during the outage): berth's deadline must not be what fails here.
  const deploying = spawnBerth(p, ['deploy', 'web', '--tag', tag, '--json', '--timeout', '4m']);
  // The release record is written after apply, right before the watch: restart then (a fixed
  // delay raced the rollout of a fast deploy, which could be over before the restart).
  await deploying.event((e) => e.event === 'release' && e.result === 'deploying');
  await restartApiServer({ signal: 'SIGKILL', downForMs: 2_000 });
  return deploying.done;
}

describeCluster('deploy across an API server restart', () => {
  it('a good release still ends healthy', { timeout: 300_000 }, async () => {
    const p = await deployed('drestok');
    const result = await deployThroughRestart(p, 'v2');
    expect(result.code, result.stderr).toBe(0);
    const stream = events(result.stdout);
    // The restart happened while berth was watching: it saw the connection go and came back.
    expect(stream.some((e) => e.event === 'reconnect')).toBe(true);
    expect(stream.at(-1)).toMatchObject({ event: 'result', ok: true, apps: [{ app: 'web', outcome: 'deployed', revision: 2 }] });
    expect((await runningSpec(p.namespace, 'web')).image).toBe('registry.test/shop:v2');
  });

  it('a crash-looping release still fails and is rolled back', { timeout: 400_000 }, async () => {
    const p = await deployed('drestbad');
    const result = await deployThroughRestart(p, 'crashloop');
    expect(result.code, result.stderr).toBe(ExitCode.deployFailed);
    expect(events(result.stdout).some((e) => e.event === 'reconnect')).toBe(true);
    expect((await runningSpec(p.namespace, 'web')).image).toBe('registry.test/shop:v1');
    expect((await historyOf(p, 'web')).map((r) => r.result)).toEqual(['succeeded', 'failed', 'succeeded']);
  });
});
