/**
 * The CI pipelines in examples/ci: GitHub Actions and Forgejo/Gitea Actions pass actionlint (built
 * from the Go module proxy), GitLab CI has the shape GitLab reads; and their deploy jobs run — the
 * shell steps exactly as written, with the built `berth` on the PATH and the kubeconfigs from
 * `berth ci credentials` as the CI secrets — against the test cluster: staging on a push to main,
 * production on a v* tag, the same image in both.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureActionlint } from '../../testenv/actionlint.ts';
import { type Project, project, runningSpec } from './deploy-helpers.ts';
import { describeCluster } from './helpers.ts';

const root = join(import.meta.dirname, '../..');
const examples = join(root, 'examples/ci');
const files = {
  github: join(examples, 'github/.github/workflows/deploy.yml'),
  forgejo: join(examples, 'forgejo/.forgejo/workflows/deploy.yml'),
  gitlab: join(examples, 'gitlab/.gitlab-ci.yml'),
};

type Any = Record<string, any>;

/** Runs one shell step as the runner would (bash -e), in the repository checkout. */
function sh(script: string, cwd: string, env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-e', '-c', script], {
    cwd,
    env: { PATH: [join(root, 'node_modules/.bin'), process.env.PATH].join(delimiter), HOME: process.env.HOME ?? '/root', NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** `${{ … }}` as the runner would expand it; an expression the test does not know fails it. */
function expand(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    const value = values[expression];
    if (value === undefined) throw new Error(`the test does not know the expression \${{ ${expression} }}`);
    return value;
  });
}

/** The shell steps of a GitHub/Forgejo job that deploy (not checkout, setup, npm ci), run in order. */
function runActionsJob(workflow: Any, job: string, repo: string, values: Record<string, string>, base: Record<string, string>): string[] {
  const outputs: string[] = [];
  const jobEnv = { ...(workflow.env ?? {}), ...(workflow.jobs[job].env ?? {}) };
  for (const step of workflow.jobs[job].steps as Any[]) {
    if (!step.run || step.run.trim() === 'npm ci') continue;
    const env: Record<string, string> = { ...base };
    for (const [k, v] of Object.entries({ ...jobEnv, ...(step.env ?? {}) })) env[k] = expand(String(v), values);
    const result = sh(expand(step.run, values), repo, env);
    if (result.code !== 0) throw new Error(`${job} step "${step.name ?? step.run}" exited ${result.code}: ${result.stderr}`);
    outputs.push(result.stdout);
  }
  return outputs;
}

/** The deploy result line a step printed (`--json` NDJSON, the last line). */
function lastResult(stdout: string): Any {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines.at(-1)!);
}

describeCluster('CI pipeline examples', () => {
  let p: Project;
  let repo = '';
  const kubeconfig = { staging: '', production: '' };
  const namespaces = { staging: '', production: '' };

  beforeAll(async () => {
    // The pipelines run the built CLI, as `npx berth` would in CI.
    if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    p = project('ciex');
    namespaces.staging = p.namespace;
    namespaces.production = `${p.namespace}-prod`;
    p.write({
      cluster: { certIssuer: false },
      environments: { staging: { namespace: namespaces.staging }, production: { namespace: namespaces.production } },
      apps: { web: { image: 'registry.test/web', port: 3000, health: { path: '/healthz' }, replicas: 2 } },
    });
    // An admin deploys each environment once and mints the CI credentials.
    for (const env of ['staging', 'production'] as const) {
      const first = await p.berth(['deploy', '--env', env, '--tag', 'v0']);
      expect(first.code, first.stderr).toBe(0);
      const issued = await p.berth(['ci', 'credentials', '--env', env, '--out', `${env}.kubeconfig`]);
      expect(issued.code, issued.stderr).toBe(0);
      kubeconfig[env] = join(p.dir, `${env}.kubeconfig`);
    }
    // The application repository CI checks out: the config, and berth installed (npm ci).
    repo = mkdtempSync(join(tmpdir(), 'berth-ci-repo-'));
    writeFileSync(join(repo, 'berth.config.json'), readFileSync(join(p.dir, 'berth.config.json')));
    mkdirSync(join(repo, 'node_modules/.bin'), { recursive: true });
    symlinkSync(join(root, 'bin/berth.js'), join(repo, 'node_modules/.bin/berth'));
    writeFileSync(join(repo, 'package.json'), '{"private":true}');
  });
  afterAll(async () => {
    await p?.cleanup();
    const { kube } = await import('./helpers.ts');
    await kube()
      .core.deleteNamespace({ name: namespaces.production, propagationPolicy: 'Background' })
      .catch(() => undefined);
  });

  it('GitHub and Forgejo/Gitea workflows pass actionlint; the GitLab pipeline has the shape GitLab reads', async () => {
    const actionlint = await ensureActionlint();
    const config = join(mkdtempSync(join(tmpdir(), 'berth-actionlint-')), 'actionlint.yaml');
    // Forgejo runners are self-hosted, labelled "docker" (seed 003).
    writeFileSync(config, 'self-hosted-runner:\n  labels: [docker]\n');
    const lint = spawnSync(actionlint, ['-no-color', '-config-file', config, files.github, files.forgejo], { encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    // actionlint fails on a real mistake (an unknown job in needs).
    const broken = join(tmpdir(), `broken-${randomBytes(3).toString('hex')}.yml`);
    writeFileSync(broken, readFileSync(files.github, 'utf8').replace('needs: build', 'needs: biuld'));
    expect(spawnSync(actionlint, ['-no-color', broken], { encoding: 'utf8' }).stdout).toMatch(/"biuld"/);

    const gitlab = parse(readFileSync(files.gitlab, 'utf8')) as Any;
    const reserved = new Set(['stages', 'default', 'variables', 'workflow', 'include', 'image', 'services', 'cache', 'before_script', 'after_script']);
    const jobKeys = new Set([
      'stage',
      'script',
      'image',
      'services',
      'rules',
      'needs',
      'environment',
      'artifacts',
      'variables',
      'before_script',
      'after_script',
    ]);
    const jobs = Object.keys(gitlab).filter((k) => !reserved.has(k));
    expect(jobs).toEqual(['lint', 'test', 'build', 'deploy-staging', 'deploy-production']);
    for (const name of jobs) {
      const job = gitlab[name];
      for (const key of Object.keys(job)) expect(jobKeys, `${name}.${key}`).toContain(key);
      expect(gitlab.stages).toContain(job.stage);
      expect(Array.isArray(job.script) && job.script.every((line: unknown) => typeof line === 'string')).toBe(true);
      for (const rule of job.rules ?? []) expect(typeof rule.if).toBe('string');
      for (const need of job.needs ?? []) expect(jobs).toContain(need);
    }
    expect(gitlab.build.artifacts.reports.dotenv).toBe('build.env');
  });

  it('their deploy jobs put the same image in staging on a push to main and in production on a v* tag, with the CI kubeconfigs', async () => {
    const sha = randomBytes(20).toString('hex');
    const runnerTemp = mkdtempSync(join(tmpdir(), 'berth-runner-'));
    const base = {
      RUNNER_TEMP: runnerTemp,
      GITHUB_SHA: sha,
      GITHUB_REF_NAME: 'main',
      GITHUB_OUTPUT: join(runnerTemp, 'out'),
      GITHUB_STEP_SUMMARY: join(runnerTemp, 'summary'),
    };
    const secret = (env: 'staging' | 'production') => readFileSync(kubeconfig[env], 'utf8');

    // GitHub Actions: plain kubeconfig secrets; the image tag is the commit's first 12 characters.
    const github = parse(readFileSync(files.github, 'utf8')) as Any;
    const githubValues = {
      'github.repository': 'acme/web',
      'runner.temp': runnerTemp,
      'needs.build.outputs.tag': sha.slice(0, 12),
      'secrets.KUBECONFIG_STAGING': secret('staging'),
      'secrets.KUBECONFIG_PRODUCTION': secret('production'),
    };
    const staged = runActionsJob(github, 'deploy-staging', repo, githubValues, base);
    expect(lastResult(staged[1]!)).toMatchObject({ event: 'result', ok: true, apps: [{ app: 'web', outcome: 'deployed', tag: sha.slice(0, 12) }] });
    expect((await runningSpec(namespaces.staging, 'web')).image).toBe(`registry.test/web:${sha.slice(0, 12)}`);
    expect(readFileSync(base.GITHUB_STEP_SUMMARY, 'utf8')).toMatch(/"ok":true/);
    runActionsJob(github, 'deploy-production', repo, githubValues, { ...base, GITHUB_REF_NAME: 'v1.0.0' });
    expect((await runningSpec(namespaces.production, 'web')).image).toBe(`registry.test/web:${sha.slice(0, 12)}`);

    // Forgejo/Gitea Actions: base64 kubeconfig secrets (seed 003); the tag is the full commit.
    const forgejo = parse(readFileSync(files.forgejo, 'utf8')) as Any;
    const sha2 = randomBytes(20).toString('hex');
    const forgejoValues = {
      'github.repository': 'acme/web',
      'github.sha': sha2,
      'secrets.KUBECONFIG_STAGING': Buffer.from(secret('staging')).toString('base64'),
      'secrets.KUBECONFIG_PRODUCTION': Buffer.from(secret('production')).toString('base64'),
    };
    runActionsJob(forgejo, 'deploy-staging', repo, forgejoValues, { ...base, GITHUB_SHA: sha2 });
    expect((await runningSpec(namespaces.staging, 'web')).image).toBe(`registry.test/web:${sha2}`);
    runActionsJob(forgejo, 'deploy-production', repo, forgejoValues, { ...base, GITHUB_SHA: sha2, GITHUB_REF_NAME: 'v1.1.0' });
    expect((await runningSpec(namespaces.production, 'web')).image).toBe(`registry.test/web:${sha2}`);

    // GitLab CI: File variables hold the kubeconfigs' paths; the build job's dotenv hands TAG on.
    const gitlab = parse(readFileSync(files.gitlab, 'utf8')) as Any;
    const tag = 'prod-20261202.17';
    const variables = {
      ...gitlab.variables,
      STAGING_KUBECONFIG: kubeconfig.staging,
      PRODUCTION_KUBECONFIG: kubeconfig.production,
      CI_COMMIT_SHA: sha,
      CI_COMMIT_TITLE: 'new checkout',
    };
    const script = (job: string) => (gitlab[job].script as string[]).filter((line) => line !== 'npm ci').join('\n');
    const stagingRun = sh(script('deploy-staging'), repo, { ...variables, TAG: tag });
    expect(stagingRun.code, stagingRun.stderr).toBe(0);
    expect(lastResult(stagingRun.stdout)).toMatchObject({ ok: true, apps: [{ outcome: 'deployed', tag }] });
    // The tag pipeline has no TAG: it reads what staging runs, with staging's CI credentials.
    const productionRun = sh(script('deploy-production'), repo, { ...variables, CI_COMMIT_TAG: 'v1.2.0' });
    expect(productionRun.code, productionRun.stderr).toBe(0);
    expect(lastResult(productionRun.stdout)).toMatchObject({ ok: true, environment: 'production', apps: [{ outcome: 'deployed', tag }] });
    expect((await runningSpec(namespaces.production, 'web')).image).toBe(`registry.test/web:${tag}`);

    // Every CI release was made by the environment's CI account, not an admin.
    for (const env of ['staging', 'production'] as const) {
      const history = JSON.parse((await p.berth(['history', 'web', '--env', env, '--json'])).stdout).releases as { user: string; tag: string }[];
      expect(history.slice(0, 3).map((r) => r.user)).toEqual(Array(3).fill(`system:serviceaccount:${namespaces[env]}:berth-deployer`));
    }
  });
});
