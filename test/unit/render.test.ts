import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { render, renderPlatform, type KubeObject } from '../../src/render/index.ts';
import { toJsonList, toYamlStream } from '../../src/manifests/serialize.ts';
import type { BerthConfig } from '../../src/config/schema.ts';
import { baseConfig, withConfig } from './fixtures.ts';

function renderOf(config: BerthConfig, env = 'production', options = {}): KubeObject[] {
  return render(validateConfig(config).config, env, options);
}
function find(objects: KubeObject[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}
const kinds = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe('render', () => {
  it('renders the objects an app needs, in dependency order', () => {
    expect(kinds(renderOf(baseConfig()))).toEqual([
      'Namespace/shop',
      'ConfigMap/web-env',
      'Service/web',
      'Deployment/web',
      'Deployment/web-worker',
      'PodDisruptionBudget/web',
      'PodDisruptionBudget/web-worker',
      'Certificate/tls-shop-dev',
      'Middleware/web-https-redirect',
      'Ingress/web',
      'NetworkPolicy/web',
    ]);
  });

  it('is deterministic, with apiVersion, kind and metadata first', () => {
    const a = toYamlStream(renderOf(baseConfig()));
    const b = toYamlStream(renderOf(baseConfig()));
    expect(a).toBe(b);
    for (const doc of a.split('---\n').slice(1)) expect(doc).toMatch(/^apiVersion: .*\nkind: .*\nmetadata:\n {2}name: /);
    const json = JSON.parse(toJsonList(renderOf(baseConfig())));
    for (const item of json.items) expect(Object.keys(item).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
  });

  it('labels every object as berth-managed, and app objects with their app and environment', () => {
    for (const object of renderOf(baseConfig(), 'staging')) {
      expect(object.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'berth', 'berth.dev/environment': 'staging' });
      if (!['Namespace', 'Certificate'].includes(object.kind)) expect(object.metadata.labels!['berth.dev/app']).toBe('web');
    }
  });

  describe('Deployment', () => {
    const deployment = () => find(renderOf(baseConfig(), 'production', { tags: { web: 'v1.2.3' } }), 'Deployment', 'web');

    it('rolls out without dropping capacity: maxUnavailable 0, maxSurge 1', () => {
      expect(deployment().spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
      expect(deployment().spec.replicas).toBe(2);
    });

    it('runs the tagged image, pulled only when missing', () => {
      const container = deployment().spec.template.spec.containers[0];
      expect(container.image).toBe('ghcr.io/acme/shop:v1.2.3');
      expect(container.imagePullPolicy).toBe('IfNotPresent');
      expect(deployment().metadata.labels['app.kubernetes.io/version']).toBe('v1.2.3');
    });

    it('pulls :latest on every start, since the tag does not change between builds', () => {
      const container = find(renderOf(baseConfig()), 'Deployment', 'web').spec.template.spec.containers[0];
      expect(container.image).toBe('ghcr.io/acme/shop:latest');
      expect(container.imagePullPolicy).toBe('Always');
    });

    it('probes the health path, with a startup probe covering the startup timeout', () => {
      const c = deployment().spec.template.spec.containers[0];
      expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5, failureThreshold: 2 });
      // Liveness asks only whether the process answers, so a database outage cannot restart every pod.
      expect(c.livenessProbe).toEqual({ tcpSocket: { port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
      expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
    });

    it('falls back to a TCP probe without a health path, and to none without a port', () => {
      const objects = renderOf(withConfig((c) => delete c.apps.web.health));
      expect(find(objects, 'Deployment', 'web').spec.template.spec.containers[0].readinessProbe).toMatchObject({ tcpSocket: { port: 'http' } });
      expect(find(objects, 'Deployment', 'web-worker').spec.template.spec.containers[0].readinessProbe).toBeUndefined();
    });

    it('stretches the startup probe for slow first boots', () => {
      const c = find(renderOf(withConfig((c) => (c.apps.web.health = { path: '/up', startupTimeout: 240 }))), 'Deployment', 'web').spec.template.spec
        .containers[0];
      expect(c.startupProbe.failureThreshold).toBe(48);
    });

    it('sets requests and limits, defaulting memory but not CPU limits', () => {
      expect(deployment().spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
      const custom = find(
        renderOf(withConfig((c) => (c.apps.web.resources = { requests: { cpu: '1' }, limits: { cpu: 2, memory: '1Gi' } }))),
        'Deployment',
        'web',
      );
      expect(custom.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } });
    });

    it('spreads several replicas across nodes, and leaves a single pod alone', () => {
      const spec = deployment().spec.template.spec;
      expect(spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' });
      expect(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
      const worker = find(renderOf(baseConfig()), 'Deployment', 'web-worker').spec.template.spec;
      expect(worker.topologySpreadConstraints).toBeUndefined();
      expect(worker.affinity).toBeUndefined();
    });

    it('leaves a failed node after the configured eviction time', () => {
      const tolerations = find(renderOf(withConfig((c) => (c.cluster.nodeFailureEviction = 10))), 'Deployment', 'web').spec.template.spec.tolerations;
      expect(tolerations).toEqual([
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
      ]);
    });

    it('gives the app its config map, declared secrets one by one, and the database secret', () => {
      const c = deployment().spec.template.spec.containers[0];
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'web-env' } }, { secretRef: { name: 'web-db' } }]);
      expect(c.env).toEqual([{ name: 'SESSION_SECRET', valueFrom: { secretKeyRef: { name: 'web-secrets', key: 'SESSION_SECRET' } } }]);
    });

    it('rolls the pods when the config changes, and only then', () => {
      const hash = (config: BerthConfig) => find(renderOf(config), 'Deployment', 'web').spec.template.metadata.annotations['berth.dev/config-hash'];
      expect(hash(baseConfig())).toBe(hash(baseConfig()));
      expect(hash(withConfig((c) => (c.apps.web.env.NODE_ENV = 'staging')))).not.toBe(hash(baseConfig()));
      expect(hash(withConfig((c) => c.apps.web.secrets.push('API_KEY')))).not.toBe(hash(baseConfig()));
    });

    it('records the live secret digest when deploy provides one', () => {
      const objects = renderOf(baseConfig(), 'production', { secretsHashes: { web: 'abc123' } });
      expect(find(objects, 'Deployment', 'web').spec.template.metadata.annotations['berth.dev/secrets-hash']).toBe('abc123');
    });

    it('runs a singleton as exactly one replica, never two at once, even during a rollout', () => {
      expect(find(renderOf(baseConfig()), 'Deployment', 'web-worker').spec.replicas).toBe(1);
      expect(find(renderOf(baseConfig()), 'Deployment', 'web-worker').spec.strategy).toEqual({ type: 'Recreate' });
      expect(find(renderOf(baseConfig()), 'Deployment', 'web-worker').spec.template.spec.containers[0].command).toEqual(['node', 'worker.js']);
    });

    it('recreates instead of rolling when a ReadWriteOnce volume is attached', () => {
      const config = withConfig((c) => {
        c.apps.web.replicas = 1;
        c.apps.web.volumes = { data: { mountPath: '/data', size: '5Gi' } };
      });
      const objects = renderOf(config);
      expect(find(objects, 'Deployment', 'web').spec.strategy).toEqual({ type: 'Recreate' });
      expect(find(objects, 'Deployment', 'web').spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    });

    it('follows an explicit strategy per app or process', () => {
      const config = withConfig((c) => {
        c.apps.web.strategy = 'Recreate';
        c.apps.web.processes.worker.singleton = false;
        c.apps.web.processes.worker.strategy = 'RollingUpdate';
      });
      expect(find(renderOf(config), 'Deployment', 'web').spec.strategy).toEqual({ type: 'Recreate' });
      expect(find(renderOf(config), 'Deployment', 'web-worker').spec.strategy.type).toBe('RollingUpdate');
    });

    it('keeps rolling updates for shared (ReadWriteMany) volumes', () => {
      const config = withConfig((c) => (c.apps.web.volumes = { files: { mountPath: '/files', nfs: { server: 'nas', path: '/files' }, size: '10Gi' } }));
      expect(find(renderOf(config), 'Deployment', 'web').spec.strategy.type).toBe('RollingUpdate');
    });

    it("runs the app's own migrate command in an init container", () => {
      const config = withConfig((c) => (c.apps.web.migrate = { command: ['bun', '/app/kumiko.js', 'migrate', 'apply'] }));
      const objects = renderOf(config, 'production', { tags: { web: 'abc1234' } });
      const init = find(objects, 'Deployment', 'web').spec.template.spec.initContainers;
      expect(init).toHaveLength(1);
      expect(init[0]).toMatchObject({ name: 'migrate', image: 'ghcr.io/acme/shop:abc1234', command: ['bun', '/app/kumiko.js', 'migrate', 'apply'] });
      expect(init[0].envFrom).toContainEqual({ secretRef: { name: 'web-db' } });
      expect(find(objects, 'Deployment', 'web-worker').spec.template.spec.initContainers).toBeUndefined();
    });

    it("uses berth's migration runner on SQL files copied from the app image", () => {
      const objects = renderOf(withConfig((c) => (c.apps.web.migrate = { dir: '/srv/migrations' })));
      const spec = find(objects, 'Deployment', 'web').spec.template.spec;
      expect(spec.initContainers.map((c: any) => c.name)).toEqual(['copy-migrations', 'migrate']);
      expect(spec.initContainers[0].command).toEqual(['cp', '-R', '/srv/migrations/.', '/berth/migrations/']);
      expect(spec.initContainers[1].command).toEqual(['berth', 'migrate', 'apply', '--dir', '/berth/migrations']);
      expect(spec.volumes).toContainEqual({ name: 'berth-migrations', emptyDir: { sizeLimit: '64Mi' } });
    });

    it('references the image pull secret and sets the volume group', () => {
      const objects = renderOf(
        withConfig((c) => Object.assign(c.cluster, { imagePullSecret: 'ghcr-pull' }) && (c.apps.web.securityContext = { fsGroup: 999 })),
      );
      const spec = find(objects, 'Deployment', 'web').spec.template.spec;
      expect(spec.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
      expect(spec.securityContext.fsGroup).toBe(999);
    });

    it('applies environment overrides', () => {
      const staging = renderOf(baseConfig(), 'staging');
      expect(find(staging, 'Deployment', 'web').spec.replicas).toBe(1);
      expect(find(staging, 'Deployment', 'web').metadata.namespace).toBe('shop-staging');
      expect(find(staging, 'Ingress', 'web').spec.rules[0].host).toBe('staging.shop.dev');
    });

    it('leaves replicas to the autoscaler when there is one', () => {
      const objects = renderOf(withConfig((c) => (c.apps.web.hpa = { min: 2, max: 6 })));
      expect(find(objects, 'Deployment', 'web').spec.replicas).toBeUndefined();
      expect(find(objects, 'HorizontalPodAutoscaler', 'web').spec).toEqual({
        maxReplicas: 6,
        metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 70, type: 'Utilization' } }, type: 'Resource' }],
        minReplicas: 2,
        scaleTargetRef: { name: 'web', apiVersion: 'apps/v1', kind: 'Deployment' },
      });
    });
  });

  describe('processes', () => {
    // Seed 001: api, worker and admin images built from one Dockerfile with --target.
    const honeydue = (edit: (c: any) => void = () => {}) =>
      withConfig((c) => {
        c.environments.production.tagScheme = 'git-sha';
        c.apps.api = {
          image: 'gitea.example/honeydue-api',
          port: 8000,
          secrets: ['SECRET_KEY'],
          secretName: 'honeydue-secrets',
          processes: { worker: { image: 'gitea.example/honeydue-worker', singleton: true } },
        };
        c.apps.admin = { image: 'gitea.example/honeydue-admin', port: 3000, secrets: ['SECRET_KEY'], secretName: 'honeydue-secrets' };
        c.environments.staging.apps.api = { enabled: false };
        c.environments.staging.apps.admin = { enabled: false };
        edit(c);
      });
    const tags = { tags: { web: 'abc1234', api: 'abc1234', admin: 'abc1234' } };

    it("names each container after its Deployment's process, so `kubectl set image deployment/api api=…` works", () => {
      const objects = renderOf(honeydue(), 'production', tags);
      expect(find(objects, 'Deployment', 'api').spec.template.spec.containers[0].name).toBe('api');
      expect(find(objects, 'Deployment', 'api-worker').spec.template.spec.containers[0].name).toBe('worker');
    });

    it('runs a process from its own image, with the tag of its app and no command of its own', () => {
      const worker = find(renderOf(honeydue(), 'production', tags), 'Deployment', 'api-worker').spec.template.spec.containers[0];
      expect(worker.image).toBe('gitea.example/honeydue-worker:abc1234');
      expect(worker.command).toBeUndefined();
      expect(validateConfig(honeydue()).warnings).toEqual([]);
    });

    it('refuses to render a process image without a tag in an environment with a tag scheme', () => {
      const config = honeydue((c) => (c.apps.api.image = 'gitea.example/honeydue-api:abc1234'));
      expect(() => renderOf(config, 'production', { tags: { web: 'abc1234', admin: 'abc1234' } })).toThrow(/No image tag for api/);
    });

    it('lets several apps read one Secret', () => {
      const objects = renderOf(honeydue(), 'production', tags);
      for (const name of ['api', 'api-worker', 'admin']) {
        expect(find(objects, 'Deployment', name).spec.template.spec.containers[0].env).toEqual([
          { name: 'SECRET_KEY', valueFrom: { secretKeyRef: { name: 'honeydue-secrets', key: 'SECRET_KEY' } } },
        ]);
      }
    });

    it('takes probe timings from the config (seed 003: ready checks every 5 s, unready after 2 misses)', () => {
      const config = withConfig(
        (c) =>
          (c.apps.web.health = {
            path: '/health',
            interval: 5,
            timeout: 2,
            failureThreshold: 3,
            startupInterval: 10,
            startupTimeout: 240,
            liveness: { interval: 20, timeout: 4, failureThreshold: 6 },
          }),
      );
      const c = find(renderOf(config), 'Deployment', 'web').spec.template.spec.containers[0];
      expect(c.readinessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
      expect(c.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 24 });
      expect(c.livenessProbe).toEqual({ tcpSocket: { port: 'http' }, periodSeconds: 20, timeoutSeconds: 4, failureThreshold: 6 });
      const noLiveness = find(renderOf(withConfig((c) => (c.apps.web.health = { path: '/health', liveness: false }))), 'Deployment', 'web');
      expect(noLiveness.spec.template.spec.containers[0].livenessProbe).toBeUndefined();
    });
  });

  describe('security context', () => {
    const postgres = () =>
      withConfig((c) => {
        c.apps.db = {
          image: 'postgres:16-alpine',
          port: 5432,
          securityContext: { fsGroup: 999 },
          volumes: { data: { mountPath: '/var/lib/postgresql/data', size: '5Gi' } },
        };
        c.environments.staging.apps.db = { enabled: false };
      });
    const spec = (config: BerthConfig, name: string) => find(renderOf(config), 'Deployment', name).spec.template.spec;

    it('lets an image that starts as root (the official postgres) prepare its files and drop to its own user', () => {
      const pod = spec(postgres(), 'db');
      const security = pod.containers[0].securityContext;
      // chown of the data directory, then setuid to postgres (gosu): these must stay.
      expect(security.capabilities.add).toEqual(expect.arrayContaining(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID']));
      expect(security.capabilities.drop).toEqual(['ALL']);
      expect(security.runAsNonRoot).toBeUndefined();
      expect(security.allowPrivilegeEscalation).toBe(false);
      expect(pod.securityContext).toEqual({ fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } });
    });

    it('meets Pod Security "restricted" when the app names a non-root user', () => {
      const config = withConfig((c) => (c.apps.web.securityContext = { runAsUser: 1000, runAsGroup: 1000 }));
      const pod = spec(config, 'web');
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 1000,
        });
      }
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      // The worker inherits the app's user unless it says otherwise.
      expect(spec(config, 'web-worker').containers[0].securityContext.runAsNonRoot).toBe(true);
    });

    it('lets a process differ from its app, e.g. a root sidecar-style process', () => {
      const config = withConfig((c) => {
        c.apps.web.securityContext = { runAsNonRoot: true };
        c.apps.web.processes.worker.securityContext = { runAsUser: 0, runAsNonRoot: false };
      });
      expect(spec(config, 'web').containers[0].securityContext.runAsNonRoot).toBe(true);
      const worker = spec(config, 'web-worker').containers[0].securityContext;
      expect(worker.runAsNonRoot).toBeUndefined();
      expect(worker.capabilities.add).toContain('SETUID');
    });

    it('gives a read-only root filesystem a writable /tmp', () => {
      const pod = spec(
        withConfig((c) => (c.apps.web.securityContext = { runAsUser: 1000, readOnlyRootFilesystem: true })),
        'web',
      );
      expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
    });

    it("runs berth's migration runner as the berth image's non-root user", () => {
      const pod = spec(
        withConfig((c) => (c.apps.web.migrate = { dir: '/srv/migrations' })),
        'web',
      );
      const runner = pod.initContainers.find((c: any) => c.name === 'migrate');
      expect(runner.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, capabilities: { drop: ['ALL'] } });
    });

    it('adds capabilities an app asks for', () => {
      const config = withConfig((c) => (c.apps.web.securityContext = { capabilities: { add: ['NET_RAW'] } }));
      expect(spec(config, 'web').containers[0].securityContext.capabilities.add).toContain('NET_RAW');
    });
  });

  describe('ConfigMap', () => {
    it("holds the app's env, sorted, with a content hash, and is absent without env", () => {
      const config = withConfig((c) => (c.apps.web.env = { ZED: '1', ALPHA: 'two words' }));
      const configMap = find(renderOf(config), 'ConfigMap', 'web-env');
      expect(Object.entries(configMap.data)).toEqual([
        ['ALPHA', 'two words'],
        ['ZED', '1'],
      ]);
      expect(configMap.metadata.annotations['berth.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
      expect(renderOf(withConfig((c) => delete c.apps.web.env)).some((o) => o.kind === 'ConfigMap')).toBe(false);
    });

    it("merges environment env over the app's", () => {
      const config = withConfig((c) => (c.environments.staging.apps.web.env = { NODE_ENV: 'staging', DEBUG: '1' }));
      expect(find(renderOf(config, 'staging'), 'ConfigMap', 'web-env').data).toEqual({ DEBUG: '1', NODE_ENV: 'staging' });
    });
  });

  describe('Service and Ingress', () => {
    it('exposes the web port as a ClusterIP service', () => {
      expect(find(renderOf(baseConfig()), 'Service', 'web').spec).toMatchObject({
        type: 'ClusterIP',
        ports: [{ name: 'http', port: 3000, targetPort: 'http' }],
      });
    });

    it('routes domains through the ingress class with TLS from a per-host certificate', () => {
      const objects = renderOf(baseConfig());
      const ingress = find(objects, 'Ingress', 'web');
      expect(ingress.spec.ingressClassName).toBe('traefik');
      expect(ingress.spec.rules).toEqual([
        { host: 'shop.dev', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } },
      ]);
      expect(ingress.spec.tls).toEqual([{ hosts: ['shop.dev'], secretName: 'tls-shop-dev' }]);
      expect(find(objects, 'Certificate', 'tls-shop-dev').spec).toEqual({
        dnsNames: ['shop.dev'],
        issuerRef: { name: 'letsencrypt-prod', group: 'cert-manager.io', kind: 'ClusterIssuer' },
        secretName: 'tls-shop-dev',
      });
    });

    it('shares one certificate between apps that split a host by path', () => {
      const config = withConfig((c) => {
        c.apps.game = { image: 'ghcr.io/acme/game', port: 80, domains: ['shop.dev'], path: '/play/game/' };
        c.environments.staging.apps.game = { enabled: false };
      });
      const objects = renderOf(config);
      expect(objects.filter((o) => o.kind === 'Certificate').map((o) => o.metadata.name)).toEqual(['tls-shop-dev']);
      expect(find(objects, 'Ingress', 'game').spec.rules[0].http.paths[1].path).toBe('/play/game/');
      expect(find(objects, 'Ingress', 'game').spec.tls[0].secretName).toBe('tls-shop-dev');
    });

    describe('apps under a path', () => {
      const game = (edit: (c: any) => void = () => {}) =>
        withConfig((c) => {
          c.apps.game = { image: 'ghcr.io/acme/game', port: 80, domains: ['shop.dev'], path: '/play/game/' };
          c.environments.staging.apps.game = { enabled: false };
          edit(c);
        });
      const paths = (objects: KubeObject[]) => find(objects, 'Ingress', 'game').spec.rules[0].http.paths.map((p: any) => [p.pathType, p.path]);

      it('routes /play/game and everything under /play/game/ to the app, but not /play/gamer', () => {
        // Traefik matches Prefix character by character: "/play/game/" would miss "/play/game", and "/play/game" would catch "/play/gamer".
        expect(paths(renderOf(game()))).toEqual([
          ['Exact', '/play/game'],
          ['Prefix', '/play/game/'],
        ]);
        expect(paths(renderOf(game((c) => (c.apps.game.path = '/play/game'))))).toEqual([
          ['Exact', '/play/game'],
          ['Prefix', '/play/game/'],
        ]);
        expect(find(renderOf(game()), 'Ingress', 'web').spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/']);
      });

      it('strips the prefix for an app that serves from / (a Traefik middleware)', () => {
        const objects = renderOf(game((c) => (c.apps.game.stripPrefix = true)));
        expect(find(objects, 'Middleware', 'game-strip-prefix').spec).toEqual({ stripPrefix: { prefixes: ['/play/game'] } });
        expect(find(objects, 'Ingress', 'game').metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe(
          'shop-game-https-redirect@kubernetescrd,shop-game-strip-prefix@kubernetescrd',
        );
      });

      it('strips the prefix with a rewrite on ingress-nginx', () => {
        const objects = renderOf(
          game((c) => {
            c.cluster.ingressClass = 'nginx';
            c.apps.game.stripPrefix = true;
          }),
        );
        const ingress = find(objects, 'Ingress', 'game');
        expect(ingress.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/use-regex': 'true' });
        expect(paths(objects)).toEqual([['ImplementationSpecific', '/play/game(/|$)(.*)']]);
      });
    });

    it('serves plain HTTP without certificates when certIssuer is false', () => {
      const objects = renderOf(withConfig((c) => (c.cluster.certIssuer = false)));
      expect(find(objects, 'Ingress', 'web').spec.tls).toBeUndefined();
      expect(objects.some((o) => o.kind === 'Certificate')).toBe(false);
    });

    it('redirects www to the apex with a Traefik middleware', () => {
      const objects = renderOf(withConfig((c) => (c.apps.web.wwwRedirect = true)));
      const ingress = find(objects, 'Ingress', 'web');
      expect(ingress.spec.rules.map((r: any) => r.host)).toEqual(['shop.dev', 'www.shop.dev']);
      expect(ingress.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe(
        'shop-web-https-redirect@kubernetescrd,shop-web-www-redirect@kubernetescrd',
      );
      expect(find(objects, 'Middleware', 'web-www-redirect').spec.redirectRegex).toMatchObject({ permanent: true, regex: '^(https?)://www\\.(.+)' });
      expect(find(objects, 'Certificate', 'tls-www-shop-dev').spec.dnsNames).toEqual(['www.shop.dev']);
    });

    it('sends HTTP to HTTPS on Traefik when there is TLS, and not without it', () => {
      const objects = renderOf(baseConfig());
      expect(find(objects, 'Middleware', 'web-https-redirect').spec).toEqual({ redirectScheme: { scheme: 'https', permanent: true } });
      expect(find(objects, 'Ingress', 'web').metadata.annotations).toEqual({
        'traefik.ingress.kubernetes.io/router.middlewares': 'shop-web-https-redirect@kubernetescrd',
      });
      const plain = renderOf(withConfig((c) => (c.cluster.certIssuer = false)));
      expect(plain.some((o) => o.kind === 'Middleware')).toBe(false);
      expect(find(plain, 'Ingress', 'web').metadata.annotations).toBeUndefined();
    });

    it('takes a TLS issuer per environment, or none (a staging without DNS)', () => {
      const config = withConfig((c) => (c.environments.staging.certIssuer = 'letsencrypt-dns'));
      expect(find(renderOf(config, 'staging'), 'Certificate', 'tls-staging-shop-dev').spec.issuerRef.name).toBe('letsencrypt-dns');
      expect(find(renderOf(config, 'production'), 'Certificate', 'tls-shop-dev').spec.issuerRef.name).toBe('letsencrypt-prod');
      const plain = renderOf(
        withConfig((c) => (c.environments.staging.certIssuer = false)),
        'staging',
      );
      expect(plain.some((o) => o.kind === 'Certificate' || o.kind === 'Middleware')).toBe(false);
      expect(find(plain, 'Ingress', 'web').spec.tls).toBeUndefined();
    });

    it("lets Traefik's own ACME resolver issue certificates (seed 002: Route53)", () => {
      const objects = renderOf(withConfig((c) => (c.cluster = { ingressClass: 'traefik', certResolver: 'route53' })));
      expect(objects.some((o) => o.kind === 'Certificate')).toBe(false);
      const ingress = find(objects, 'Ingress', 'web');
      expect(ingress.metadata.annotations).toEqual({
        'traefik.ingress.kubernetes.io/router.middlewares': 'shop-web-https-redirect@kubernetescrd',
        'traefik.ingress.kubernetes.io/router.tls': 'true',
        'traefik.ingress.kubernetes.io/router.tls.certresolver': 'route53',
      });
      expect(ingress.spec.tls).toBeUndefined();
      // An environment may still use cert-manager instead.
      const staging = renderOf(
        withConfig((c) => {
          c.cluster = { ingressClass: 'traefik', certResolver: 'route53' };
          c.environments.staging.certIssuer = 'letsencrypt-staging';
        }),
        'staging',
      );
      expect(find(staging, 'Certificate', 'tls-staging-shop-dev').spec.issuerRef.name).toBe('letsencrypt-staging');
    });

    it('redirects www to the apex with the ingress-nginx annotation', () => {
      const objects = renderOf(withConfig((c) => Object.assign(c.cluster, { ingressClass: 'nginx' }) && (c.apps.web.wwwRedirect = true)));
      const ingress = find(objects, 'Ingress', 'web');
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect(ingress.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/from-to-www-redirect': 'true' });
      expect(ingress.spec.rules.map((r: any) => r.host)).toEqual(['shop.dev']);
      expect(ingress.spec.tls.flatMap((t: any) => t.hosts)).toEqual(['shop.dev', 'www.shop.dev']);
      expect(objects.some((o) => o.kind === 'Middleware')).toBe(false);
    });

    it('gives a second routed process its own service and ingress', () => {
      const config = withConfig((c) => (c.apps.web.processes.admin = { command: ['node', 'admin.js'], port: 4000, domains: ['admin.shop.dev'] }));
      const objects = renderOf(
        withConfig((c) => Object.assign(c, config) && (c.environments.staging.apps.web.processes = { admin: { domains: ['admin.staging.shop.dev'] } })),
      );
      expect(find(objects, 'Service', 'web-admin').spec.ports[0].port).toBe(4000);
      expect(find(objects, 'Ingress', 'web-admin').spec.rules[0].host).toBe('admin.shop.dev');
    });
  });

  describe('availability and isolation', () => {
    it('keeps one pod through drains when there are several, and none for singletons or single pods', () => {
      const objects = renderOf(baseConfig());
      expect(find(objects, 'PodDisruptionBudget', 'web').spec.minAvailable).toBe(1);
      expect(find(objects, 'PodDisruptionBudget', 'web-worker').spec.minAvailable).toBe(0);
      // minAvailable 1 on a single pod would block every node drain.
      expect(find(renderOf(withConfig((c) => (c.apps.web.replicas = 1))), 'PodDisruptionBudget', 'web').spec.minAvailable).toBe(0);
      expect(find(renderOf(withConfig((c) => (c.apps.web.hpa = { min: 2, max: 4 }))), 'PodDisruptionBudget', 'web').spec.minAvailable).toBe(1);
    });

    it('never lets a broken release (pods not Ready) block a node drain', () => {
      for (const pdb of renderOf(baseConfig()).filter((o) => o.kind === 'PodDisruptionBudget')) {
        expect((pdb as any).spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
      }
    });

    it('lets only the ingress controller reach web ports, and egress to DNS, the database and the internet', () => {
      const policy = find(renderOf(baseConfig()), 'NetworkPolicy', 'web');
      expect(policy.spec.podSelector).toEqual({ matchLabels: { 'berth.dev/app': 'web' } });
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      // Exactly two ways in: pods of the same namespace, and the ingress controller to the web port.
      expect(policy.spec.ingress).toEqual([
        { from: [{ podSelector: {} }] },
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ port: 3000, protocol: 'TCP' }] },
      ]);
      expect(policy.spec.egress).toEqual([
        {
          to: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
        { to: [{ podSelector: {} }] },
        // The internet, but not the node network or other private ranges.
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }] },
        { to: [{ ipBlock: { cidr: '10.0.0.2/32' } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      ]);
      expect(JSON.stringify(policy)).not.toContain('_from');
    });

    it('admits a hostNetwork ingress controller (seed 001: Traefik DaemonSet) from the node addresses', () => {
      const config = withConfig((c) => {
        c.cluster.ingressHostNetwork = true;
        c.cluster.networkPolicy = { ingressFrom: ['10.0.1.0/24'] };
      });
      const policy = find(renderOf(config), 'NetworkPolicy', 'web');
      expect(policy.spec.ingress).toEqual([
        { from: [{ podSelector: {} }] },
        { from: [{ ipBlock: { cidr: '10.0.1.0/24' } }], ports: [{ port: 3000, protocol: 'TCP' }] },
      ]);
    });

    it('reaches extra destinations (a Redis on the private network, a service in another namespace)', () => {
      const config = withConfig((c) => {
        c.cluster.networkPolicy = { egressTo: [{ cidr: '10.0.1.20/32', ports: [6379] }] };
        c.apps.web.networkPolicy = { egressTo: [{ namespace: 'search', ports: [9200] }] };
      });
      const egress = find(renderOf(config), 'NetworkPolicy', 'web').spec.egress;
      expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.1.20/32' } }], ports: [{ port: 6379, protocol: 'TCP' }] });
      expect(egress).toContainEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'search' } } }],
        ports: [{ port: 9200, protocol: 'TCP' }],
      });
    });

    it('leaves out NetworkPolicies for an app, or the whole cluster, that opts out', () => {
      expect(renderOf(withConfig((c) => (c.apps.web.networkPolicy = false))).some((o) => o.kind === 'NetworkPolicy')).toBe(false);
      expect(renderOf(withConfig((c) => (c.cluster.networkPolicy = false))).some((o) => o.kind === 'NetworkPolicy')).toBe(false);
    });

    it('allows the ingress-nginx namespace for nginx', () => {
      const policy = find(renderOf(withConfig((c) => (c.cluster.ingressClass = 'nginx'))), 'NetworkPolicy', 'web');
      expect(JSON.stringify(policy.spec.ingress)).toContain('ingress-nginx');
    });
  });

  describe('scheduled work and storage', () => {
    it('renders cron tasks that never overlap', () => {
      const config = withConfig((c) => (c.apps.web.cron = { cleanup: { schedule: '0 4 * * *', command: ['node', 'cleanup.js'], timeZone: 'Europe/Berlin' } }));
      const cron = find(renderOf(config), 'CronJob', 'web-cleanup');
      expect(cron.spec).toMatchObject({ schedule: '0 4 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid' });
      expect(cron.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
      expect(cron.spec.jobTemplate.spec.template.spec.containers[0]).toMatchObject({ command: ['node', 'cleanup.js'], image: 'ghcr.io/acme/shop:latest' });
    });

    it("binds an NFS export to the app's claim through its own PersistentVolume", () => {
      const config = withConfig((c) => (c.apps.web.volumes = { files: { mountPath: '/files', nfs: { server: 'nas.local', path: '/school' }, size: '50Gi' } }));
      const objects = renderOf(config);
      const pv = find(objects, 'PersistentVolume', 'shop-web-files-pv');
      expect(pv.metadata.namespace).toBeUndefined();
      expect(pv.spec).toMatchObject({
        nfs: { server: 'nas.local', path: '/school' },
        persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { name: 'web-files', namespace: 'shop' },
      });
      expect(find(objects, 'PersistentVolumeClaim', 'web-files').spec).toMatchObject({
        volumeName: 'shop-web-files-pv',
        storageClassName: '',
        accessModes: ['ReadWriteMany'],
      });
    });

    it('mounts an existing claim without creating one', () => {
      const objects = renderOf(
        withConfig((c) => (c.apps.web.volumes = { old: { mountPath: '/old', existingClaim: 'legacy-data', accessMode: 'ReadWriteMany' } })),
      );
      expect(objects.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
      expect(find(objects, 'Deployment', 'web').spec.template.spec.volumes).toContainEqual({
        name: 'old',
        persistentVolumeClaim: { claimName: 'legacy-data' },
      });
    });

    it('renders the backup CronJob: berth backup run from the berth image, Forbid, a deadline, the store mounted, secrets by reference', () => {
      const config = withConfig((c) => {
        c.cluster = { ...c.cluster, berthImage: 'ghcr.io/acme/berth:0.1.0' };
        c.backups = { store: { pvc: { size: '30Gi' } }, slackWebhook: { secret: { namespace: 'shop', name: 'hooks', key: 'slack' } } };
        c.apps.web.backups = { schedule: '0 3 * * *', timeZone: 'Australia/Perth', retention: { daily: 30 } };
      });
      const objects = renderOf(config);
      const cron = find(objects, 'CronJob', 'web-backup');
      expect(cron.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Australia/Perth', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600 });
      expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 21600 });
      const pod = cron.spec.jobTemplate.spec.template.spec;
      const container = pod.containers[0];
      expect(container.image).toBe('ghcr.io/acme/berth:0.1.0');
      expect(container.command).toEqual([
        'berth',
        'backup',
        'run',
        'web',
        '--env',
        'production',
        '--json',
        '--store-dir',
        '/backups',
        '--compression',
        'zstd',
        '--keep-daily',
        '30',
        '--keep-weekly',
        '4',
        '--keep-monthly',
        '6',
        '--max-age-days',
        '365',
        '--restore-test-days',
        '7',
        '--notify',
        'all',
      ]);
      expect(container.envFrom).toEqual([{ secretRef: { name: 'web-db' } }]);
      expect(container.env).toContainEqual({ name: 'BERTH_SLACK_WEBHOOK', valueFrom: { secretKeyRef: { name: 'hooks', key: 'slack' } } });
      expect(JSON.stringify(cron)).not.toMatch(/postgres:\/\//);
      expect(pod.volumes).toEqual([{ name: 'backups', persistentVolumeClaim: { claimName: 'web-backups' } }]);
      expect(find(objects, 'PersistentVolumeClaim', 'web-backups').spec.resources.requests.storage).toBe('30Gi');
      expect(validateConfig(config).warnings).toEqual([]);
    });

    it('renders no CronJob for a directory store the cluster cannot reach, and says so', () => {
      const config = withConfig((c) => {
        c.backups = { store: { dir: { path: './backups' } } };
        c.apps.web.backups = { schedule: '@daily' };
      });
      expect(validateConfig(config).warnings).toContainEqual({ path: 'backups.store.dir', message: expect.stringMatching(/no backup CronJob is rendered/) });
      expect(renderOf(config).some((o) => o.kind === 'CronJob')).toBe(false);
    });

    it('keeps serving for a moment after the pod is told to stop, so no request meets a closed port', () => {
      const c = find(renderOf(baseConfig()), 'Deployment', 'web').spec.template.spec.containers[0];
      expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
      expect(find(renderOf(baseConfig()), 'Deployment', 'web-worker').spec.template.spec.containers[0].lifecycle).toBeUndefined();
    });
  });

  describe('image tags', () => {
    const schemed = (edit: (c: any) => void = () => {}) =>
      withConfig((c) => {
        c.environments.production.tagScheme = 'git-sha';
        c.apps.admin = { image: 'ghcr.io/acme/admin', port: 4000 };
        c.environments.staging.apps.admin = { enabled: false };
        edit(c);
      });

    it('never falls back to :latest in an environment with a tag scheme', () => {
      expect(() => renderOf(schemed())).toThrow(/No image tag for admin, web in production/);
      // Naming one app does not move the others to :latest.
      expect(() => renderOf(schemed(), 'production', { tags: { web: 'abc1234' } })).toThrow(/No image tag for admin in production/);
      const objects = renderOf(schemed(), 'production', { tags: { web: 'abc1234', admin: 'abc1234' } });
      expect(find(objects, 'Deployment', 'admin').spec.template.spec.containers[0].image).toBe('ghcr.io/acme/admin:abc1234');
    });

    it('refuses a tag outside the scheme in the library too, not only on the command line', () => {
      expect(() => renderOf(schemed(), 'production', { tags: { web: 'latest', admin: 'abc1234' } })).toThrow(
        /Tag "latest" for web does not match production's tag scheme "git-sha"/,
      );
    });

    it('treats an image written with :latest as untagged, so a given tag applies', () => {
      const config = schemed((c) => (c.apps.admin.image = 'ghcr.io/acme/admin:latest'));
      const objects = renderOf(config, 'production', { tags: { web: 'abc1234', admin: 'abc1234' } });
      expect(find(objects, 'Deployment', 'admin').spec.template.spec.containers[0].image).toBe('ghcr.io/acme/admin:abc1234');
      expect(() => renderOf(config, 'production', { tags: { web: 'abc1234' } })).toThrow(/No image tag for admin/);
    });

    it('keeps an image pinned in the config (a third-party postgres:16-alpine) as written', () => {
      const config = schemed((c) => (c.apps.admin.image = 'postgres:16-alpine'));
      const objects = renderOf(config, 'production', { tags: { web: 'abc1234' } });
      expect(find(objects, 'Deployment', 'admin').spec.template.spec.containers[0].image).toBe('postgres:16-alpine');
    });
  });

  describe('adopting what exists', () => {
    it("never stamps a namespace berth did not create (Kubernetes' default) with ownership or prune annotations", () => {
      const objects = renderOf(withConfig((c) => (c.environments.production.namespace = 'default')));
      expect(objects.some((o) => o.kind === 'Namespace')).toBe(false);
      expect(find(objects, 'Deployment', 'web').metadata.namespace).toBe('default');
      // Any other namespace that already exists and is someone else's: createNamespace: false.
      const other = renderOf(withConfig((c) => (c.environments.production.createNamespace = false)));
      expect(other.some((o) => o.kind === 'Namespace')).toBe(false);
    });

    it('uses an existing database and role by name, per environment', () => {
      const config = withConfig((c) => {
        c.database = { mode: 'cnpg', name: 'main-db' };
        c.apps.web.database = { name: 'docfast', role: 'docfast' };
        c.environments.staging.apps.web.database = { name: 'docfast_staging', role: 'docfast_staging' };
      });
      const databases = renderPlatform(validateConfig(config).config).filter((o) => o.kind === 'Database') as any[];
      expect(databases.map((d) => [d.metadata.name, d.spec.name, d.spec.owner])).toEqual([
        ['main-db.web.production', 'docfast', 'docfast'],
        ['main-db.web.staging', 'docfast_staging', 'docfast_staging'],
      ]);
    });
  });

  describe('selection', () => {
    it('renders only the requested apps', () => {
      const config = withConfig((c) => {
        c.apps.blog = { image: 'ghcr.io/acme/blog', port: 80 };
      });
      const objects = renderOf(config, 'production', { apps: ['blog'] });
      expect(kinds(objects)).toEqual(['Namespace/shop', 'Service/blog', 'Deployment/blog', 'PodDisruptionBudget/blog', 'NetworkPolicy/blog']);
    });
    it('refuses unknown apps and environments with the known ones listed', () => {
      expect(() => renderOf(baseConfig(), 'production', { apps: ['nope'] })).toThrow(/Unknown app in production: nope/);
      expect(() => renderOf(baseConfig(), 'qa')).toThrow(/Unknown environment "qa"/);
    });
  });
});
