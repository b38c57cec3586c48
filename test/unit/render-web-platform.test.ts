// The admin page in the cluster (`platform.web`): what `render --platform` emits for it, the RBAC
// that confines it to the environments' namespaces, and the validation of bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { toYamlStream } from '../../src/manifests/serialize.ts';
import { ciRules } from '../../src/platform/ci-access.ts';
import { renderPlatform } from '../../src/render/index.ts';
import { cli, tempDir } from './cli-harness.ts';
import { baseConfig, withConfig } from './fixtures.ts';

type Any = any;

function platformOf(edit: (c: Any) => void): Any[] {
  return renderPlatform(validateConfig(withConfig(edit)).config) as Any[];
}

const find = (objects: Any[], kind: string, namespace?: string) =>
  objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));

function errors(edit: (c: Any) => void): string[] {
  try {
    validateConfig(withConfig(edit));
    return [];
  } catch (error) {
    return ((error as { issues: { path: string; message: string }[] }).issues ?? []).map((i) => `${i.path}: ${i.message}`);
  }
}

const WEB = (c: Any) => {
  c.cluster.berthImage = 'registry.test/berth:0.1.0';
  c.platform = { web: { host: 'admin.shop.dev' } };
};

describe('render --platform: the admin page', () => {
  it('emits exactly the server, its way in and a Role per environment namespace, in a stable order', () => {
    const objects = platformOf(WEB);
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace /berth-system',
      'ConfigMap berth-system/berth-web-config',
      'ServiceAccount berth-system/berth-web',
      'Role shop/berth-web',
      'Role shop-staging/berth-web',
      'RoleBinding shop/berth-web',
      'RoleBinding shop-staging/berth-web',
      'Service berth-system/berth-web',
      'Deployment berth-system/berth-web',
      'Certificate berth-system/tls-admin-shop-dev',
      'Middleware berth-system/berth-web-https-redirect',
      'Ingress berth-system/berth-web',
      'NetworkPolicy berth-system/berth-web',
    ]);
    expect(find(objects, 'ClusterRole')).toEqual([]);
    expect(find(objects, 'ClusterRoleBinding')).toEqual([]);
    // Same config, same bytes.
    expect(toYamlStream(platformOf(WEB))).toBe(toYamlStream(objects));
  });

  it('runs `berth web --in-cluster` from berth’s image under Pod Security "restricted", probed on /healthz', () => {
    const objects = platformOf(WEB);
    const [namespace] = find(objects, 'Namespace');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const [deployment] = find(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(deployment.spec.replicas).toBe(1);
    expect(pod.serviceAccountName).toBe('berth-web');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container).toMatchObject({
      image: 'registry.test/berth:0.1.0',
      imagePullPolicy: 'IfNotPresent',
      command: ['berth', 'web', '--in-cluster'],
      workingDir: '/etc/berth',
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        readOnlyRootFilesystem: true,
      },
    });
    expect(container.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/berth', readOnly: true },
      { name: 'tokens', mountPath: '/var/run/berth-web/tokens', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'config', configMap: { name: 'berth-web-config' } },
      { name: 'tokens', secret: { secretName: 'berth-web-tokens', defaultMode: 0o440, optional: true } },
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    ]);
    // The admin credential is a variable in the config: it reaches the pod from an optional Secret, never from the manifest.
    expect(container.env).toEqual([
      { name: 'PG_ADMIN_URL', valueFrom: { secretKeyRef: { name: 'berth-web-database-admin', key: 'url', optional: true } } },
      { name: 'NODE_ENV', value: 'production' },
      { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2' },
    ]);
    const [service] = find(objects, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('puts the config into a ConfigMap as berth.config.json that loads as it is (no kube context), and rolls the pods when it changes', async () => {
    const objects = platformOf((c) => {
      WEB(c);
      c.cluster.context = 'admin@prod';
    });
    const [configMap] = find(objects, 'ConfigMap');
    const json = configMap.data['berth.config.json'];
    expect(json).not.toMatch(/admin@prod/);
    const dir = mkdtempSync(join(tmpdir(), 'berth-web-config-'));
    writeFileSync(join(dir, 'berth.config.json'), json);
    const loaded = await loadConfig({ cwd: dir });
    expect(Object.keys(loaded.config.environments)).toEqual(['production', 'staging']);
    expect(loaded.config.platform?.web?.host).toBe('admin.shop.dev');
    expect(loaded.config.cluster?.context).toBeUndefined();
    const hash = (o: Any[]) => find(o, 'Deployment')[0].spec.template.metadata.annotations['berth.dev/config-hash'];
    const changed = platformOf((c) => {
      WEB(c);
      c.apps.web.replicas = 3;
    });
    expect(hash(changed)).not.toBe(hash(objects));
    expect(hash(platformOf(WEB))).toBe(hash(platformOf(WEB)));
  });

  it('serves the host over TLS: a Certificate from the cluster issuer, HTTP → HTTPS; or Traefik’s resolver', () => {
    const objects = platformOf(WEB);
    const [ingress] = find(objects, 'Ingress');
    expect(ingress.spec).toEqual({
      ingressClassName: 'traefik',
      rules: [
        { host: 'admin.shop.dev', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'berth-web', port: { name: 'http' } } } }] } },
      ],
      tls: [{ hosts: ['admin.shop.dev'], secretName: 'tls-admin-shop-dev' }],
    });
    expect(ingress.metadata.annotations).toEqual({ 'traefik.ingress.kubernetes.io/router.middlewares': 'berth-system-berth-web-https-redirect@kubernetescrd' });
    expect(find(objects, 'Certificate')[0].spec).toEqual({
      secretName: 'tls-admin-shop-dev',
      dnsNames: ['admin.shop.dev'],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
    });
    const resolver = platformOf((c) => {
      WEB(c);
      c.cluster.certIssuer = false;
      c.cluster.certResolver = 'le';
    });
    expect(find(resolver, 'Certificate')).toEqual([]);
    expect(find(resolver, 'Ingress')[0].metadata.annotations['traefik.ingress.kubernetes.io/router.tls.certresolver']).toBe('le');
    const nginx = platformOf((c) => {
      WEB(c);
      c.cluster.ingressClass = 'nginx';
    });
    expect(find(nginx, 'Middleware')).toEqual([]);
    expect(find(nginx, 'Ingress')[0].spec.tls).toEqual([{ hosts: ['admin.shop.dev'], secretName: 'tls-admin-shop-dev' }]);
  });

  it('lets only the ingress controller in: by namespace, or from the node ranges with hostNetwork; nothing without a host', () => {
    const [policy] = find(platformOf(WEB), 'NetworkPolicy');
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'berth.dev/platform': 'web' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    });
    const [host] = find(
      platformOf((c) => {
        WEB(c);
        c.cluster.ingressHostNetwork = true;
        c.cluster.networkPolicy = { ingressFrom: ['10.0.1.0/24'] };
      }),
      'NetworkPolicy',
    );
    expect(host.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '10.0.1.0/24' } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    const hidden = platformOf((c) => {
      WEB(c);
      delete c.platform.web.host;
    });
    expect(find(hidden, 'Ingress')).toEqual([]);
    expect(find(hidden, 'NetworkPolicy')[0].spec.ingress).toEqual([]);
    expect(
      find(
        platformOf((c) => {
          WEB(c);
          c.cluster.networkPolicy = false;
        }),
        'NetworkPolicy',
      ),
    ).toEqual([]);
  });

  it('grants in each environment namespace what deploy, rollback, status and logs need (the CI deployer’s rules), bound to the web account', () => {
    const objects = platformOf(WEB);
    for (const role of find(objects, 'Role')) expect(role.rules).toEqual(ciRules());
    const [binding] = find(objects, 'RoleBinding', 'shop');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'berth-web' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'berth-web', namespace: 'berth-system' }]);
    expect(find(objects, 'Role').map((r) => r.metadata.namespace)).toEqual(['shop', 'shop-staging']);
  });

  it('reads a database admin Secret outside the environments by its name only (CloudNativePG’s superuser Secret)', () => {
    const objects = platformOf((c) => {
      WEB(c);
      c.database = { mode: 'cnpg' };
    });
    const [role] = find(objects, 'Role', 'postgres');
    expect(role.metadata.name).toBe('berth-web-database-admin');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['berth-pg-superuser'] }]);
    expect(find(objects, 'RoleBinding', 'postgres')[0].subjects).toEqual([{ kind: 'ServiceAccount', name: 'berth-web', namespace: 'berth-system' }]);
    // Then no variable is mapped into the pod.
    expect(find(objects, 'Deployment')[0].spec.template.spec.containers[0].env).toEqual([
      { name: 'NODE_ENV', value: 'production' },
      { name: 'NODE_OPTIONS', value: '--max-semi-space-size=2' },
    ]);
  });

  it("reaches an NFS backup store through a claim of its own (seed 004's NAS), mounted where --store-dir points", () => {
    const objects = platformOf((c) => {
      WEB(c);
      c.backups = { store: { nfs: { server: 'nas.school.lan', path: '/school/backups' } } };
    });
    const [pv] = find(objects, 'PersistentVolume');
    expect(pv.metadata.name).toBe('berth-system-berth-web-backups-pv');
    expect(pv.spec).toMatchObject({
      accessModes: ['ReadWriteMany'],
      nfs: { server: 'nas.school.lan', path: '/school/backups' },
      persistentVolumeReclaimPolicy: 'Retain',
    });
    const [claim] = find(objects, 'PersistentVolumeClaim', 'berth-system');
    expect(claim.metadata.name).toBe('berth-web-backups');
    expect(claim.spec).toMatchObject({ volumeName: pv.metadata.name, storageClassName: '', accessModes: ['ReadWriteMany'] });
    const pod = find(objects, 'Deployment', 'berth-system')[0].spec.template.spec;
    expect(pod.containers[0].command).toEqual(['berth', 'web', '--in-cluster', '--store-dir', '/backups']);
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups' });
    expect(pod.volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'berth-web-backups' } });
    // No inline nfs volume: Pod Security "restricted" refuses one.
    expect(pod.volumes.some((v: Any) => v.nfs)).toBe(false);
    // An S3 store needs no claim.
    const s3 = platformOf((c) => {
      WEB(c);
      c.backups = { store: { s3: { bucket: 'shop-backups', credentialsSecret: 'backup-s3' } } };
    });
    expect(find(s3, 'PersistentVolumeClaim')).toEqual([]);
    expect(find(s3, 'Deployment', 'berth-system')[0].spec.template.spec.containers[0].command).toEqual(['berth', 'web', '--in-cluster']);
  });

  it('takes namespace, replicas and resources from the config, and renders nothing when disabled', () => {
    const objects = platformOf((c) => {
      WEB(c);
      c.platform.web = { host: 'admin.shop.dev', namespace: 'ops', replicas: 2, resources: { limits: { memory: '1Gi' } } };
    });
    const [deployment] = find(objects, 'Deployment');
    expect(deployment.metadata.namespace).toBe('ops');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '1Gi' } });
    expect(find(objects, 'RoleBinding', 'shop')[0].subjects[0].namespace).toBe('ops');
    expect(
      platformOf((c) => {
        WEB(c);
        c.platform.web.enabled = false;
      }),
    ).toEqual([]);
  });
});

describe('platform.web validation', () => {
  it('names the field of each bad value', () => {
    expect(errors((c) => (c.platform = { web: { host: 'https://admin.shop.dev' } }))).toEqual([
      expect.stringMatching(/^platform\.web\.host: must be a bare host name without a scheme/),
    ]);
    expect(errors((c) => (c.platform = { web: { replicas: 0 } }))).toEqual([expect.stringMatching(/^platform\.web\.replicas: /)]);
    expect(errors((c) => (c.platform = { web: { namespace: 'Berth_System' } }))).toEqual([
      expect.stringMatching(/^platform\.web\.namespace: must be lowercase/),
    ]);
    expect(errors((c) => (c.platform = { web: { resources: { limits: { memory: 'lots' } } } }))).toEqual([
      expect.stringMatching(/^platform\.web\.resources\.limits\.memory: /),
    ]);
    expect(errors((c) => (c.platform = { web: { hots: 'admin.shop.dev' } }))).toEqual([expect.stringMatching(/^platform\.web.*hots/)]);
  });

  it('refuses a namespace that is Kubernetes’, an environment’s or the database’s, and a host without TLS or taken by an app', () => {
    expect(errors((c) => (c.platform = { web: { namespace: 'kube-system' } }))).toEqual([
      expect.stringMatching(/^platform\.web\.namespace: "kube-system" is Kubernetes' own namespace/),
    ]);
    expect(errors((c) => (c.platform = { web: { namespace: 'shop-staging' } }))).toEqual([
      expect.stringMatching(/^platform\.web\.namespace: "shop-staging" is environment staging's namespace, whose deployers may read its Secrets/),
    ]);
    expect(
      errors((c) => {
        c.database = { mode: 'cnpg', namespace: 'pg' };
        c.platform = { web: { namespace: 'pg' } };
      }),
    ).toEqual([expect.stringMatching(/^platform\.web\.namespace: "pg" is the database server's namespace/)]);
    expect(
      errors((c) => {
        c.cluster.certIssuer = false;
        c.platform = { web: { host: 'admin.shop.dev' } };
      }),
    ).toEqual([expect.stringMatching(/^platform\.web\.host: would serve login tokens and session cookies over plain HTTP/)]);
    expect(errors((c) => (c.platform = { web: { host: 'staging.shop.dev' } }))).toEqual([
      expect.stringMatching(/^platform\.web\.host: "staging\.shop\.dev" is also a domain of app web/),
    ]);
  });

  it('warns when berth’s image is the unpublished default', () => {
    const { warnings } = validateConfig(withConfig((c) => (c.platform = { web: { host: 'admin.shop.dev' } })));
    expect(warnings).toContainEqual({ path: 'platform.web', message: expect.stringMatching(/not published: build it .* set cluster\.berthImage/) });
    expect(validateConfig(withConfig(WEB)).warnings.filter((w) => w.path === 'platform.web')).toEqual([]);
  });
});

describe('berth web token (arguments, before any cluster is reached)', () => {
  async function inProject(config: object, argv: string[]) {
    const dir = tempDir();
    writeFileSync(join(dir, 'berth.config.json'), JSON.stringify(config));
    return cli(argv, { cwd: dir, env: { KUBECONFIG: join(dir, 'no-such-kubeconfig') } });
  }
  const withWeb = withConfig(WEB);

  it('refuses a missing or unknown role, a bad user name and an unknown verb, naming the fix (exit 2)', async () => {
    const noRole = await inProject(withWeb, ['web', 'token', 'add', 'alice']);
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toMatch(/--role must be viewer or operator/);
    expect((await inProject(withWeb, ['web', 'token', 'add', 'alice', '--role', 'admin'])).stderr).toMatch(/--role must be viewer or operator, not "admin"/);
    expect((await inProject(withWeb, ['web', 'token', 'add', 'al:ice', '--role', 'viewer'])).stderr).toMatch(/"al:ice" cannot be a user name/);
    const verb = await inProject(withWeb, ['web', 'token', 'show', 'alice']);
    expect(verb.code).toBe(2);
    expect(verb.stderr).toMatch(/berth web token takes add, remove, list, not "show"/);
    expect((await inProject(withWeb, ['web', 'token', 'remove'])).stderr).toMatch(/needs a user name/);
  });

  it('says so when the config has no admin page in the cluster', async () => {
    const result = await inProject(baseConfig(), ['web', 'token', 'add', 'alice', '--role', 'viewer']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no admin page in the cluster \(platform\.web/);
    expect(result.stdout).toBe('');
  });
});
