// Where the test environment keeps its builds and its running state.
// Everything lives outside the repository, under ~/.cache/berth by default.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ETCD_VERSION, KUBERNETES_VERSION, KWOK_VERSION } from './versions.ts';

export const cacheDir = process.env.BERTH_CACHE_DIR ?? join(homedir(), '.cache', 'berth');

/** Go module and build caches, kept here so a reset is one `rm -rf`. */
export const goModCache = join(cacheDir, 'go', 'mod');
export const goBuildCache = join(cacheDir, 'go', 'build');

/** One wrapper module per upstream project: go.mod, go.sum, build log, bin/. */
export const buildDir = join(cacheDir, 'build');
export const kubernetesBuildDir = join(buildDir, `k8s-${KUBERNETES_VERSION}`);
export const etcdBuildDir = join(buildDir, `etcd-${ETCD_VERSION}`);
export const kwokBuildDir = join(buildDir, `kwok-${KWOK_VERSION}`);
export const buildStampPath = join(buildDir, 'stamp.json');

/** Upstream add-on CRDs (upstream-crds.ts), one file per project and version. */
export const crdCacheDir = join(cacheDir, 'crds');

export const binaries = {
  kubeApiserver: join(kubernetesBuildDir, 'bin', 'kube-apiserver'),
  kubeControllerManager: join(kubernetesBuildDir, 'bin', 'kube-controller-manager'),
  kubeScheduler: join(kubernetesBuildDir, 'bin', 'kube-scheduler'),
  kubectl: join(kubernetesBuildDir, 'bin', 'kubectl'),
  etcd: join(etcdBuildDir, 'bin', 'etcd'),
  kwok: join(kwokBuildDir, 'bin', 'kwok'),
  kwokctl: join(kwokBuildDir, 'bin', 'kwokctl'),
} as const;

/** Running environment: kwokctl's work dir, Postgres data, env files. */
/**
 * BERTH_ENV_DIR gives a second, independent environment (its own API server and Postgres)
 * sharing the same built binaries: tests that restart the API server, or parallel work trees,
 * then cannot disturb each other.
 */
export const envDir = process.env.BERTH_ENV_DIR ?? join(cacheDir, 'env');
export const kwokWorkDir = join(envDir, 'kwok');
export const kwokConfigPath = join(envDir, 'kwokctl.yaml');
export const kubeconfigPath = join(envDir, 'kubeconfig');
export const postgresDir = join(envDir, 'postgres');
export const envShPath = join(envDir, 'env.sh');
export const statePath = join(envDir, 'state.json');

/** Files shipped in the repository next to this module. */
const here = import.meta.dirname;
export const stagesDir = join(here, 'stages');
export const fixturesDir = join(here, 'fixtures');

export const CLUSTER_NAME = 'berth';
