import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { ConfigError, ExitCode } from '../../src/errors.ts';
import { baseConfig, withConfig } from './fixtures.ts';

function problems(input: unknown): Array<{ path: string; message: string }> {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

function expectProblem(input: unknown, path: string, message: RegExp): void {
  const found = problems(input);
  expect(found, `expected a problem at ${path}`).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
}

describe('config validation', () => {
  it('accepts the base config without warnings', () => {
    const { warnings, config } = validateConfig(baseConfig());
    expect(warnings).toEqual([]);
    expect(Object.keys(config.apps)).toEqual(['web']);
  });

  it('reports invalid configs as ConfigError with exit code 2 and every problem', () => {
    const bad = withConfig((c) => {
      c.apps.web.port = 70000;
      c.apps.web.domains = ['Shop.dev'];
    });
    try {
      validateConfig(bad, 'berth.config.ts');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(ExitCode.usage);
      expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['apps.web.port', 'apps.web.domains[0]']);
      expect((error as Error).message).toContain('berth.config.ts');
    }
  });

  it('reports schema problems and rule problems of other parts in one pass', () => {
    const bad = withConfig((c) => {
      c.apps.web.port = 70000;
      c.apps.blog = { image: 'ghcr.io/acme/blog', port: 80, domains: ['shop.dev'], wwwRedirect: true, processes: { jobs: {} } };
      c.environments.staging.apps.blog = { enabled: false };
      c.environments.production.namespace = 'kube-system';
    });
    const paths = problems(bad).map((p) => p.path);
    expect(paths).toContain('apps.web.port');
    expect(paths).toContain('apps.blog.processes.jobs.command');
    expect(paths).toContain('environments.production.namespace');
    // Nothing is said about web's other fields or about references to it: they were not checked.
    expect(
      problems(bad)
        .filter((p) => p.path.startsWith('apps.web'))
        .map((p) => p.path),
    ).toEqual(['apps.web.port']);
  });

  it('refuses a non-object config with a hint to export one', () => {
    expectProblem(42, '', /export default defineConfig/);
  });

  it('names unknown fields and suggests the likely one', () => {
    expectProblem(
      withConfig((c) => (c.apps.web.replica = 2)),
      'apps.web.replica',
      /did you mean "replicas"/,
    );
    expectProblem(
      withConfig((c) => (c.cluster.ingresClass = 'nginx')),
      'cluster.ingresClass',
      /did you mean "ingressClass"/,
    );
  });

  it('requires the fields an app cannot do without', () => {
    expectProblem(
      withConfig((c) => delete c.apps.web.image),
      'apps.web.image',
      /required/,
    );
    expectProblem(
      withConfig((c) => delete c.environments),
      'environments',
      /required/,
    );
    expectProblem(
      withConfig((c) => (c.environments = {})),
      'environments',
      /at least one environment/,
    );
  });

  describe('names', () => {
    it('refuses app names that are not DNS labels or too long', () => {
      expectProblem(
        withConfig((c) => (c.apps.Web_App = c.apps.web)),
        'apps.Web_App',
        /lowercase letters/,
      );
      const long = 'a'.repeat(41);
      expectProblem(
        withConfig((c) => (c.apps[long] = { image: 'x/y', port: 80 })),
        `apps.${long}`,
        /at most 40/,
      );
    });
    it('refuses namespace and process names that are not DNS labels', () => {
      expectProblem(
        withConfig((c) => (c.environments.production.namespace = 'Shop')),
        'environments.production.namespace',
        /lowercase/,
      );
      expectProblem(
        withConfig((c) => (c.apps.web.processes = { bad_name: { command: ['x'] } })),
        'apps.web.processes.bad_name',
        /lowercase/,
      );
    });
    it('refuses a CronJob name over 52 characters', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.cron = { ['t'.repeat(50)]: { schedule: '@daily', command: ['x'] } })),
        `apps.web.cron.${'t'.repeat(50)}`,
        /52 characters/,
      );
    });
  });

  describe('domains and paths', () => {
    it.each([
      ['https://shop.dev', /without a scheme/],
      ['shop.dev/api', /path/],
      ['Shop.dev', /lowercase/],
      ['shop', /host name/],
      ['-shop.dev', /host name/],
    ])('refuses domain %s', (domain, message) => {
      expectProblem(
        withConfig((c) => (c.apps.web.domains = [domain])),
        'apps.web.domains[0]',
        message,
      );
    });
    it('accepts wildcards and subdomains', () => {
      expect(problems(withConfig((c) => (c.apps.web.domains = ['*.shop.dev', 'a.b.shop.dev'])))).toEqual([]);
    });
    it('refuses the same domain and path for two apps', () => {
      const config = withConfig((c) => (c.apps.blog = { image: 'ghcr.io/acme/blog', port: 80, domains: ['shop.dev'] }));
      expectProblem(config, 'apps.blog.domains[0]', /shop\.dev\/ is already served by app web in production/);
    });
    it('allows two apps on one domain with different paths', () => {
      const config = withConfig((c) => {
        c.apps.game = { image: 'ghcr.io/acme/game', port: 80, domains: ['shop.dev'], path: '/play/game/' };
        c.environments.staging.apps.game = { enabled: false };
      });
      expect(problems(config)).toEqual([]);
    });
    it('treats /play and /play/ as the same route', () => {
      const config = withConfig((c) => {
        c.apps.a = { image: 'ghcr.io/acme/a', port: 80, domains: ['x.dev'], path: '/play' };
        c.apps.b = { image: 'ghcr.io/acme/b', port: 80, domains: ['x.dev'], path: '/play/' };
      });
      expect(problems(config).some((p) => /already served/.test(p.message))).toBe(true);
    });
    it('refuses a domain reused by the same app in another environment, naming it and the override to set', () => {
      const config = withConfig((c) => delete c.environments.staging.apps.web.domains);
      expect(problems(config)).toContainEqual({
        path: 'apps.web.domains[0]',
        message: 'shop.dev/ is served by app web in production and again in staging; give staging its own domain at environments.staging.apps.web.domains',
      });
    });
    it('gives one clear message for www.<domain> listed with wwwRedirect, not a clash with itself', () => {
      const found = problems(withConfig((c) => Object.assign(c.apps.web, { wwwRedirect: true, domains: ['shop.dev', 'www.shop.dev'] })));
      expect(found).toEqual([{ path: 'apps.web.domains[1]', message: expect.stringMatching(/wwwRedirect adds the www. host itself/) }]);
    });
    it('reports the schema problem once per field', () => {
      expect(problems(withConfig((c) => (c.apps.web.domains = ['Shop.dev'])))).toEqual([{ path: 'apps.web.domains[0]', message: 'must be lowercase' }]);
    });
    it('has nothing to strip at the root path', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.stripPrefix = true)),
        'apps.web.stripPrefix',
        /needs a `path`/,
      );
    });
    it('refuses paths that do not start with a slash', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.path = 'play')),
        'apps.web.path',
        /start with "\/"/,
      );
    });
    it('needs a port to route domains to', () => {
      expectProblem(
        withConfig((c) => delete c.apps.web.port),
        'apps.web.domains',
        /set `port`/,
      );
    });
    it('asks for the apex when www redirect is on', () => {
      expectProblem(
        withConfig((c) => Object.assign(c.apps.web, { wwwRedirect: true, domains: ['www.shop.dev'] })),
        'apps.web.domains[0]',
        /apex "shop.dev"/,
      );
    });
  });

  describe('schedules, quantities, time zones', () => {
    it.each(['0 3 * * *', '*/15 * * * *', '0 0 1-7 * mon', '@daily', '0 */6 * * *', '30 2 * jan,jul sun'])('accepts cron %s', (schedule) => {
      expect(problems(withConfig((c) => (c.apps.web.cron = { job: { schedule, command: ['x'] } })))).toEqual([]);
    });
    it.each([
      ['0 3 * *', /5 fields/],
      ['61 * * * *', /minute 61/],
      ['0 25 * * *', /hour 25/],
      ['0 0 0 * *', /day of month 0/],
      ['* * * foo *', /not a valid month/],
      ['@every 5m', /unknown macro/],
      ['5-1 * * * *', /backwards/],
    ])('refuses cron %s', (schedule, message) => {
      expectProblem(
        withConfig((c) => (c.apps.web.cron = { job: { schedule, command: ['x'] } })),
        'apps.web.cron.job.schedule',
        message,
      );
    });
    it.each(['100m', '0.5', 2, '256Mi', '1Gi', '1e3'])('accepts quantity %s', (cpu) => {
      expect(problems(withConfig((c) => (c.apps.web.resources = { requests: { cpu } })))).toEqual([]);
    });
    it.each(['100 m', '1GB', 'lots', '-1'])('refuses quantity %s', (memory) => {
      expectProblem(
        withConfig((c) => (c.apps.web.resources = { limits: { memory } })),
        'apps.web.resources.limits.memory',
        /Kubernetes quantity/,
      );
    });
    it('refuses an unknown time zone', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.cron = { job: { schedule: '@daily', command: ['x'], timeZone: 'Mars/Olympus' } })),
        'apps.web.cron.job.timeZone',
        /IANA time zone/,
      );
    });
  });

  describe('placeholders', () => {
    it.each(['changeme', 'TODO', 'xxx', '<pw>', '', 'https://<your-host>/hook', 'CHANGEME-later'])('refuses placeholder %j', (value) => {
      expectProblem(
        withConfig((c) => (c.apps.web.env = { API_KEY: value })),
        'apps.web.env.API_KEY',
        /placeholder|TODO|empty|changeme|xxx/,
      );
    });
    it('accepts real values that merely contain letters of those words', () => {
      expect(problems(withConfig((c) => (c.apps.web.env = { A: 'todoist.com', B: 'xxl-size', C: 'exchange-me-not' })))).toEqual([]);
    });
    it('checks placeholders everywhere, not only in env', () => {
      expectProblem(
        withConfig((c) => (c.database.host = 'TODO')),
        'database.host',
        /placeholder/,
      );
    });
  });

  describe('references', () => {
    it('refuses overrides for unknown apps and processes', () => {
      expectProblem(
        withConfig((c) => (c.environments.production.apps = { api: { replicas: 2 } })),
        'environments.production.apps.api',
        /no app "api"; known apps: web/,
      );
      expectProblem(
        withConfig((c) => (c.environments.production.apps = { web: { processes: { mailer: { replicas: 2 } } } })),
        'environments.production.apps.web.processes.mailer',
        /no process "mailer"/,
      );
    });
    it('refuses a volume mounted by an unknown process', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.volumes = { data: { mountPath: '/data', size: '1Gi', processes: ['cron'] } })),
        'apps.web.volumes.data.processes[0]',
        /no process "cron"/,
      );
    });
    it('needs exactly one source for a volume', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.volumes = { data: { mountPath: '/data' } })),
        'apps.web.volumes.data',
        /size.*existingClaim.*nfs/,
      );
      expectProblem(
        withConfig((c) => (c.apps.web.volumes = { data: { mountPath: '/data', size: '1Gi', existingClaim: 'old' } })),
        'apps.web.volumes.data',
        /cannot be combined/,
      );
    });
    it('warns, without failing, when a single-node volume has several replicas', () => {
      const { warnings } = validateConfig(withConfig((c) => (c.apps.web.volumes = { data: { mountPath: '/data', size: '1Gi' } })));
      expect(warnings).toEqual([expect.objectContaining({ path: 'apps.web.volumes.data', message: expect.stringMatching(/2 replicas/) })]);
    });
    it('counts autoscaler maximums and per-environment replicas against a single-node volume', () => {
      const single = (edit: (c: any) => void) =>
        validateConfig(
          withConfig((c) => {
            c.apps.web.replicas = 1;
            c.environments.staging.apps.web.replicas = 1;
            c.apps.web.volumes = { data: { mountPath: '/data', size: '1Gi' } };
            edit(c);
          }),
        ).warnings;
      expect(single(() => {})).toEqual([]);
      expect(single((c) => (c.apps.web.hpa = { min: 1, max: 3 }))).toContainEqual({
        path: 'apps.web.volumes.data',
        message: expect.stringMatching(/up to 3 replicas of "web" in production/),
      });
      expect(single((c) => (c.environments.production.apps = { web: { replicas: 2 } }))).toContainEqual({
        path: 'apps.web.volumes.data',
        message: expect.stringMatching(/2 replicas of "web" in production/),
      });
      // One pod per volume, ever: a second replica could never start.
      expectProblem(
        withConfig((c) => (c.apps.web.volumes = { data: { mountPath: '/data', size: '1Gi', accessMode: 'ReadWriteOncePod' } })),
        'apps.web.volumes.data',
        /ReadWriteOncePod .* 2 replicas of "web" in production/,
      );
    });
    it('warns when a database-looking image rolls over its data, and stays quiet once the strategy is chosen', () => {
      const db = (strategy?: string) =>
        withConfig((c) => {
          c.apps.db = {
            image: 'postgres:16-alpine',
            port: 5432,
            strategy,
            volumes: { data: { mountPath: '/var/lib/postgresql/data', nfs: { server: 'nas', path: '/db' }, size: '5Gi' } },
          };
          c.environments.staging.apps.db = { enabled: false };
        });
      expect(validateConfig(db()).warnings).toContainEqual({
        path: 'apps.db.strategy',
        message: expect.stringMatching(/postgres .* rolling update .* two at once .* strategy: 'Recreate'/),
      });
      expect(validateConfig(db('Recreate')).warnings).toEqual([]);
      expect(validateConfig(db('RollingUpdate')).warnings).toEqual([]);
    });
    it('says a singleton runs one pod when replicas say otherwise, wherever they are set', () => {
      expectProblem(
        withConfig((c) => {
          c.apps.web.processes = { web: { singleton: true } };
          c.environments.staging.apps.web.replicas = 1;
        }),
        'apps.web.replicas',
        /singleton runs exactly 1 replica/,
      );
      expectProblem(
        withConfig((c) => (c.environments.staging.apps.web.processes = { worker: { replicas: 3 } })),
        'environments.staging.apps.web.processes.worker.replicas',
        /singleton runs exactly 1 replica/,
      );
      expectProblem(
        withConfig((c) => (c.apps.web.singleton = true)),
        'apps.web.singleton',
        /belongs to a process.*processes: \{ web: \{ singleton: true \} \}/,
      );
    });
    it('needs a shared database for database: true and a store for backups', () => {
      expectProblem(
        withConfig((c) => delete c.database),
        'apps.web.database',
        /top-level `database`/,
      );
      expectProblem(
        withConfig((c) => (c.apps.web.backups = { schedule: '@daily' })),
        'apps.web.backups',
        /backups.store/,
      );
      expectProblem(
        withConfig((c) => Object.assign(c.apps.web, { database: false, backups: { schedule: '@daily' } })),
        'apps.web.backups',
        /database: true/,
      );
    });
    it('refuses DATABASE_URL in env when berth provides it', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.env = { DATABASE_URL: 'postgres://db/x' })),
        'apps.web.env.DATABASE_URL',
        /berth sets DATABASE_URL/,
      );
    });
    it('refuses a variable that is both env and secret', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.env = { SESSION_SECRET: 'abc' })),
        'apps.web.secrets[0]',
        /also set in env/,
      );
    });
    it('refuses a singleton with several replicas or an autoscaler', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.processes.worker.replicas = 2)),
        'apps.web.processes.worker.replicas',
        /singleton/,
      );
      expectProblem(
        withConfig((c) => (c.apps.web.processes.worker.hpa = { min: 1, max: 3 })),
        'apps.web.processes.worker.hpa',
        /singleton/,
      );
    });
    it('refuses an autoscaler whose min exceeds its max', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.hpa = { min: 5, max: 2 })),
        'apps.web.hpa.min',
        /greater than max/,
      );
    });
    it('requires a command for non-web processes, unless they have an image of their own', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.processes.worker = {})),
        'apps.web.processes.worker.command',
        /required .* or `image`/,
      );
      expect(validateConfig(withConfig((c) => (c.apps.web.processes.worker = { image: 'ghcr.io/acme/worker' }))).warnings).toEqual([]);
    });
    it("keeps apps out of Kubernetes' own namespaces", () => {
      expectProblem(
        withConfig((c) => (c.environments.production.namespace = 'kube-system')),
        'environments.production.namespace',
        /Kubernetes' own/,
      );
    });
    it('refuses database names Postgres would not take as written', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.database = { name: 'Shop-DB' })),
        'apps.web.database.name',
        /lowercase letters, digits and _/,
      );
    });
    it("refuses one database or role for two environments (berth marks each as one app's in one environment)", () => {
      expectProblem(
        withConfig((c) => (c.apps.web.database = { name: 'shop', role: 'shop' })),
        'apps.web.database',
        /database shop is already app web in production's; .* environments.staging.apps.web.database/,
      );
    });
    it('refuses two environments in one namespace', () => {
      expectProblem(
        withConfig((c) => (c.environments.staging.namespace = 'shop')),
        'environments.staging.namespace',
        /already used by environment production/,
      );
    });
    it('refuses credentials written inline instead of referenced', () => {
      expectProblem(
        withConfig((c) => (c.database.admin = 'postgres://admin:pw@db/postgres')),
        'database.admin',
        /reference, not a value/,
      );
    });
    it('refuses an unknown database mode', () => {
      expectProblem(
        withConfig((c) => (c.database = { mode: 'rds' })),
        'database.mode',
        /external|cnpg/,
      );
    });
    it('refuses a security context the kubelet would refuse, and warns about ones that cannot work', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.securityContext = { runAsUser: 0, runAsNonRoot: true })),
        'apps.web.securityContext.runAsNonRoot',
        /runAsUser 0 is root/,
      );
      const warnings = (edit: (c: any) => void) => validateConfig(withConfig(edit)).warnings;
      expect(warnings((c) => (c.apps.web.securityContext = { runAsUser: 1000, capabilities: { add: ['NET_BIND_SERVICE'] } }))).toContainEqual({
        path: 'apps.web.securityContext.capabilities.add',
        message: expect.stringMatching(/non-root user never receives added capabilities/),
      });
      expect(warnings((c) => (c.apps.web.securityContext = { capabilities: { add: ['SYS_ADMIN'] } }))).toContainEqual({
        path: 'apps.web.securityContext.capabilities.add[0]',
        message: expect.stringMatching(/Pod Security "baseline" refuses SYS_ADMIN/),
      });
      expect(
        warnings((c) => {
          c.apps.web.image = 'postgres:16-alpine';
          c.apps.web.securityContext = { runAsNonRoot: true };
        }),
      ).toContainEqual({ path: 'apps.web.securityContext', message: expect.stringMatching(/postgres image starts as root/) });
      expect(
        warnings((c) => {
          c.apps.web.image = 'nginx:1.27';
          c.apps.web.securityContext = { readOnlyRootFilesystem: true };
        }),
      ).toContainEqual({ path: 'apps.web.securityContext.readOnlyRootFilesystem', message: expect.stringMatching(/\/var\/cache\/nginx/) });
      // A process overrides its app's settings.
      expect(
        warnings((c) => {
          c.apps.web.securityContext = { runAsUser: 1000 };
          c.apps.web.processes.worker.securityContext = { capabilities: { add: ['NET_RAW'] } };
        }),
      ).toContainEqual({ path: 'apps.web.processes.worker.securityContext.capabilities.add', message: expect.stringMatching(/non-root/) });
    });

    it('says where a setting moved', () => {
      expectProblem(
        withConfig((c) => (c.apps.web.fsGroup = 999)),
        'apps.web.fsGroup',
        /securityContext: \{ fsGroup: 999 \}/,
      );
    });

    it('needs the node addresses when the ingress controller uses hostNetwork', () => {
      expectProblem(
        withConfig((c) => (c.cluster.ingressHostNetwork = true)),
        'cluster.networkPolicy.ingressFrom',
        /ingressHostNetwork .* the node addresses/,
      );
      expect(problems(withConfig((c) => Object.assign(c.cluster, { ingressHostNetwork: true, networkPolicy: false })))).toEqual([]);
      expectProblem(
        withConfig((c) => (c.cluster.networkPolicy = { ingressFrom: ['10.0.1.0/33'] })),
        'cluster.networkPolicy.ingressFrom[0]',
        /CIDR/,
      );
    });

    it('refuses a Traefik certificate resolver on ingress-nginx, and two TLS sources at once', () => {
      expectProblem(
        withConfig((c) => (c.cluster = { ingressClass: 'nginx', certIssuer: false, certResolver: 'route53' })),
        'cluster.certResolver',
        /Traefik/,
      );
      // An environment's choice replaces the cluster's.
      expect(problems(withConfig((c) => (c.environments.staging.certResolver = 'route53')))).toEqual([]);
      expectProblem(
        withConfig((c) => (c.cluster.certResolver = 'route53')),
        'cluster.certResolver',
        /either certIssuer .* or certResolver/,
      );
      expectProblem(
        withConfig((c) => Object.assign(c.environments.staging, { certResolver: 'route53', certIssuer: 'x' })),
        'environments.staging.certResolver',
        /either certIssuer .* or certResolver/,
      );
    });

    it('refuses a malformed tag scheme', () => {
      expectProblem(
        withConfig((c) => (c.environments.production.tagScheme = 'whatever!')),
        'environments.production.tagScheme',
        /YYYYMMDD/,
      );
    });
  });
});
