/**
 * `berth config` and `berth secret` against the real control plane: each change is a release the
 * running pods get, a rollback puts the old values back (in the pods and at their source, so the
 * next deploy keeps them), and a secret value never appears in argv, output or release records.
 */
import { afterAll, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.ts';
import { historyOf, type Project, project, runningSpec, shopConfig } from './deploy-helpers.ts';
import { describeCluster } from './helpers.ts';

const projects: Project[] = [];
afterAll(async () => {
  await Promise.all(projects.map((p) => p.cleanup()));
});

async function deployed(prefix: string): Promise<Project> {
  const p = project(prefix);
  projects.push(p);
  p.write(shopConfig(p.namespace));
  await p.setSecret('web-secrets', { TOKEN: 'first' });
  const first = await p.berth(['deploy', '--tag', 'v1']);
  expect(first.code, first.stderr).toBe(0);
  return p;
}

describeCluster('berth config and secret', () => {
  it('config set is a release the pods get, says which value wins, and rollback restores the old values for good', async () => {
    const p = await deployed('cfgset');
    const set = await p.berth(['config', 'set', 'web', 'MODE=two', 'LOG_LEVEL=debug']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toMatch(
      /MODE is also set in \S+berth\.config\.json \(apps\.web\.env\.MODE = "one"\): the value set here wins in staging until `berth config unset web MODE --env staging`/,
    );
    expect(set.stdout).toMatch(/web v1 deployed \(r2\)/);
    expect((await runningSpec(p.namespace, 'web')).env).toEqual({ MODE: 'two', LOG_LEVEL: 'debug' });
    expect((await historyOf(p, 'web')).map((r) => [r.revision, r.kind, r.result])).toEqual([
      [2, 'config', 'succeeded'],
      [1, 'deploy', 'succeeded'],
    ]);
    const listed = JSON.parse((await p.berth(['config', 'list', 'web', '--json'])).stdout);
    expect(listed.variables).toEqual([
      { key: 'LOG_LEVEL', value: 'debug', source: 'set' },
      { key: 'MODE', value: 'two', source: 'set', overrides: { path: 'apps.web.env.MODE', value: 'one' } },
    ]);
    // A later deploy from the config file keeps the values set with berth.
    const again = await p.berth(['deploy']);
    expect(again.stdout).toMatch(/Nothing changed in staging/);

    const back = await p.berth(['rollback', 'web']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/Values set with berth config\/secret set are back to r1's \(berth\.env\.web\)/);
    expect((await runningSpec(p.namespace, 'web')).env).toEqual({ MODE: 'one' });
    const after = JSON.parse((await p.berth(['config', 'list', 'web', '--json'])).stdout);
    expect(after.variables).toEqual([{ key: 'MODE', value: 'one', source: 'file' }]);
    // And the next deploy does not bring the rolled-back values again.
    const next = await p.berth(['deploy']);
    expect(next.stdout).toMatch(/Nothing changed in staging/);
    expect((await runningSpec(p.namespace, 'web')).env).toEqual({ MODE: 'one' });

    // Unset of a value that only the config file sets says where it comes from.
    const unset = await p.berth(['config', 'unset', 'web', 'MODE']);
    expect(unset.code).toBe(ExitCode.usage);
    expect(unset.stderr).toMatch(/MODE of web comes from \S+, not from `berth config set`/);
    // Secrets are not config.
    const wrong = await p.berth(['config', 'set', 'web', 'TOKEN=x1y2']);
    expect(wrong.code).toBe(ExitCode.usage);
    expect(wrong.stderr).toMatch(/TOKEN is one of web's secrets/);
  });

  it('secret set takes the value from stdin, never shows it, and the pods get it', async () => {
    const p = await deployed('secset');
    const value = 'v3ry-s3cret-value-8f2a';
    const refused = await p.berth(['secret', 'set', 'web', `TOKEN=${value}`]);
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toMatch(/Secret values never go on the command line \("TOKEN=…"\)/);
    expect(refused.stderr).not.toContain(value);

    const set = await p.berth(['secret', 'set', 'web', 'TOKEN'], {}, `${value}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect((await runningSpec(p.namespace, 'web')).secrets).toEqual({ TOKEN: value });
    const list = await p.berth(['secret', 'list', 'web']);
    expect(list.stdout).toMatch(/TOKEN\s+[0-9a-f]{8}\s+r2 runs it/);
    const history = await p.berth(['history', 'web', '--json']);
    expect(JSON.parse(history.stdout).releases[0]).toMatchObject({ revision: 2, kind: 'secret', result: 'succeeded', message: 'secret set web TOKEN' });
    for (const output of [set.stdout, set.stderr, list.stdout, list.stderr, history.stdout, (await p.berth(['secret', 'list', 'web', '--json'])).stdout]) {
      expect(output).not.toContain(value);
    }
    const undeclared = await p.berth(['secret', 'set', 'web', 'OTHER'], {}, 'x\n');
    expect(undeclared.code).toBe(ExitCode.usage);
    expect(undeclared.stderr).toMatch(/OTHER is not one of web's secrets/);
  });

  it('before the first deploy, secret set saves the value the first deploy needs', async () => {
    const p = project('secfirst');
    projects.push(p);
    p.write(shopConfig(p.namespace));
    const saved = await p.berth(['secret', 'set', 'web', 'TOKEN'], {}, 'from-stdin\n');
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(/Saved for web in staging; it has no release yet/);
    const first = await p.berth(['deploy', '--tag', 'v1']);
    expect(first.code, first.stderr).toBe(0);
    expect((await runningSpec(p.namespace, 'web')).secrets).toEqual({ TOKEN: 'from-stdin' });
  });
});
