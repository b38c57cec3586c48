/** The db and migrate commands refuse bad input before touching a server. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../src/errors.ts';
import { lockTimeout } from '../../src/cli/commands/migrate/apply.ts';
import { cli, tempDir } from './cli-harness.ts';
import { baseConfig } from './fixtures.ts';

function project(): string {
  const dir = tempDir();
  const config = baseConfig();
  config.apps.static = { image: 'ghcr.io/acme/static', port: 80 };
  writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(config));
  return dir;
}

describe('db commands', () => {
  it('refuses an app without database: true, saying how to fix it', async () => {
    const result = await cli(['db', 'create', 'static'], { cwd: project() });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('App "static" does not use a database (database: true is not set)');
    expect(result.stderr).toContain('database: true');
  });

  it('refuses an unknown app', async () => {
    const result = await cli(['db', 'create', 'nope', '--json'], { cwd: project() });
    expect(result.code).toBe(ExitCode.usage);
    expect(JSON.parse(result.stdout).error.message).toBe('No app "nope" in production');
  });

  it('will not print a database URL into a pipe without --reveal', async () => {
    const result = await cli(['db', 'url', 'web'], { cwd: project() });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('Not printing a database URL to a pipe or a file');
    expect(result.stderr).toContain('--reveal');
  });

  it('will not drop without confirmation when nobody can type it, and checks --yes names the app', async () => {
    const unconfirmed = await cli(['db', 'drop', 'web', '--env', 'production'], { cwd: project() });
    expect(unconfirmed.code).toBe(ExitCode.usage);
    expect(unconfirmed.stderr).toContain('--yes web');
    expect(unconfirmed.stderr).toContain('no backup is taken');
    const wrong = await cli(['db', 'drop', 'web', '--env', 'production', '--yes', 'api'], { cwd: project() });
    expect(wrong.code).toBe(ExitCode.usage);
    expect(wrong.stderr).toContain('--yes api does not match the app web');
  });

  it('make drop and rotate name the environment when the config has several (the first is usually production)', async () => {
    for (const [command, ...rest] of [['drop', '--yes', 'web'], ['rotate']]) {
      const result = await cli(['db', command!, 'web', ...rest], { cwd: project() });
      expect(result.code).toBe(ExitCode.usage);
      expect(result.stderr).toContain(`berth db ${command} needs --env: the config has 2 environments (production, staging)`);
      expect(result.stderr).toContain(`berth db ${command} web --env ENV`);
    }
  });

  it('reject an admin URL with a bare % in the password, naming where it came from and not the value', async () => {
    const result = await cli(['db', 'list'], { cwd: project(), env: { PG_ADMIN_URL: 'postgres://admin:Sup3r%S3cret@db/postgres' } });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('The admin URL in environment variable PG_ADMIN_URL has a malformed %-escape in its password');
    expect(result.stderr).toContain('% as %25');
    expect(result.stderr).not.toContain('S3cret');
  });

  it('reports a missing admin credential by where it looked, never by value', async () => {
    const result = await cli(['db', 'list'], { cwd: project() });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('environment variable PG_ADMIN_URL is missing or empty');
  });
});

describe('migrate commands', () => {
  it('need no berth config, only a database URL', async () => {
    const result = await cli(['migrate', 'apply'], { cwd: tempDir() });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('No database to migrate: DATABASE_URL is not set');
  });

  it('reject a bare % in the password with exit 2, naming the variable and never the value', async () => {
    const result = await cli(['migrate', 'status', '--dir', tempDir()], { env: { DATABASE_URL: 'postgres://u:Sup3r%S3cret@host/db' } });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('DATABASE_URL has a malformed %-escape in its password');
    expect(result.stderr).toContain('% as %25');
    expect(result.stderr).not.toContain('S3cret');
    expect(result.stderr).not.toContain('unexpected failure');
  });

  it('read --lock-timeout in seconds and refuse anything else', () => {
    expect(lockTimeout(undefined)).toBe(600_000);
    expect(lockTimeout('2.5')).toBe(2_500);
    expect(() => lockTimeout('0')).toThrow(/--lock-timeout must be a positive number of seconds, not "0"/);
    expect(() => lockTimeout('10m')).toThrow(UsageError);
  });

  it('reject a URL that is not postgres:// without echoing it', async () => {
    const dir = tempDir();
    const result = await cli(['migrate', 'status', '--dir', dir], { env: { DATABASE_URL: 'mysql://root:hunter2@db/app' } });
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('DATABASE_URL must be a postgres:// URL');
    expect(result.stderr).not.toContain('hunter2');
  });
});
