/**
 * The migrate init container: the pod does not start until migrations succeed (seed 000, 002).
 * An app with its own command runs it from its image; otherwise berth's runner applies the SQL
 * files shipped in the image, copied out first because the runner lives in berth's image.
 */
import type { V1Container, V1Volume } from '@kubernetes/client-node';
import type { ResolvedApp, ResolvedCluster, ResolvedProcess } from '../config/resolved.ts';
import { BERTH_IMAGE_SECURITY } from './berth-image.ts';
import { containerSecurity, envFrom, imagePullPolicy, resources, secretEnv, tmpVolume } from './pod.ts';

const MIGRATIONS_VOLUME = 'berth-migrations';
const MIGRATIONS_MOUNT = '/berth/migrations';

export interface MigrateParts {
  initContainers: V1Container[];
  volumes: V1Volume[];
}

/** Runs before `process` starts, from its image and as its user. */
export function migrateParts(app: ResolvedApp, process: ResolvedProcess, cluster: ResolvedCluster): MigrateParts {
  if (!app.migrate) return { initContainers: [], volumes: [] };
  const { image, security } = process;
  const tmp = tmpVolume(security);
  const common = {
    env: secretEnv(app),
    envFrom: envFrom(app),
    resources: resources({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } }),
  };
  if (app.migrate.command) {
    return {
      initContainers: [
        {
          name: 'migrate',
          image,
          imagePullPolicy: imagePullPolicy(image),
          command: app.migrate.command,
          ...common,
          volumeMounts: tmp ? [tmp.mount] : undefined,
          securityContext: containerSecurity(security),
        },
      ],
      volumes: [],
    };
  }
  const mount = [{ name: MIGRATIONS_VOLUME, mountPath: MIGRATIONS_MOUNT }];
  return {
    initContainers: [
      {
        name: 'copy-migrations',
        image,
        imagePullPolicy: imagePullPolicy(image),
        command: ['cp', '-R', `${app.migrate.dir.replace(/\/$/, '')}/.`, `${MIGRATIONS_MOUNT}/`],
        volumeMounts: mount,
        resources: common.resources,
        securityContext: containerSecurity(security),
      },
      {
        name: 'migrate',
        image: cluster.berthImage,
        imagePullPolicy: imagePullPolicy(cluster.berthImage),
        command: ['berth', 'migrate', 'apply', '--dir', MIGRATIONS_MOUNT],
        volumeMounts: mount,
        ...common,
        securityContext: containerSecurity(BERTH_IMAGE_SECURITY),
      },
    ],
    volumes: [{ name: MIGRATIONS_VOLUME, emptyDir: { sizeLimit: '64Mi' } }],
  };
}
