import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidates } from '../../src/cli/completion.ts';
import { cli, tempDir } from './cli-harness.ts';

const names = {
  environments: ['production', 'staging'],
  apps: [
    { name: 'web', processes: ['web', 'worker'], cron: ['nightly'] },
    { name: 'api', processes: ['web'], cron: [] },
  ],
};

function project(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'berth.config.json'),
    JSON.stringify({
      cluster: { certIssuer: false },
      environments: { production: { namespace: 'shop' }, staging: { namespace: 'shop-staging' } },
      apps: {
        web: { image: 'r/web', port: 3000, processes: { worker: { command: ['w'] } }, cron: { nightly: { schedule: '0 3 * * *', command: ['n'] } } },
        api: { image: 'r/api', port: 3000 },
      },
    }),
  );
  return dir;
}

describe('shell completion', () => {
  it('completes commands, subcommands, flags, apps, processes, cron tasks and environments', () => {
    expect(candidates(['st'], names)).toEqual(['status']);
    expect(candidates(['secret', ''], names)).toEqual(['set', 'unset', 'list']);
    expect(candidates(['logs', 'w'], names)).toEqual(['web', 'web/web', 'web/worker', 'web/nightly']);
    expect(candidates(['cron', 'run', ''], names)).toEqual(['web/nightly']);
    expect(candidates(['status', '--env', ''], names)).toEqual(['production', 'staging']);
    expect(candidates(['promote', '--to', 'pr'], names)).toEqual(['production']);
    expect(candidates(['logs', '--f'], names)).toEqual(['--follow']);
    expect(candidates(['deploy', '--env', 'staging', 'a'], names)).toEqual(['api']);
    expect(candidates(['scale', 'web/'], names)).toEqual(['web/web', 'web/worker']);
  });

  it('answers the shell with names from the config in the current directory', async () => {
    const dir = project();
    const result = await cli(['__complete', 'restart', ''], { cwd: dir });
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['web', 'web/web', 'web/worker', 'api', 'api/web']);
  });

  it('the bash script completes through berth __complete', () => {
    const dir = project();
    const bin = join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    const entry = join(process.cwd(), 'src/cli/bin.ts');
    writeFileSync(join(bin, 'berth'), `#!/bin/sh\nexec "${process.execPath}" "${entry}" "$@"\n`);
    chmodSync(join(bin, 'berth'), 0o755);
    const script = `source <(berth completion bash); COMP_WORDS=(berth logs --env st); COMP_CWORD=3; _berth; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['-c', script], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(out.trim()).toBe('staging');
  });
});

describe('--context and an unreachable cluster', () => {
  it('picks the kube context over cluster.context, and names the ones there are when it is wrong', async () => {
    const dir = project();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'home', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'home',
      }),
    );
    const result = await cli(['--context', 'office', 'status'], { cwd: dir, env: { KUBECONFIG: kubeconfig } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Kube context "office" is not in the kubeconfig/);
    expect(result.stderr).toMatch(/Contexts available: home/);
    // The right context, and nothing listening there: unreachable, with the socket's reason.
    const refused = await cli(['--context', 'home', 'status'], { cwd: dir, env: { KUBECONFIG: kubeconfig } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/Could not list \w+ in shop: the Kubernetes API is unreachable \(ECONNREFUSED\)/);
  });
});
