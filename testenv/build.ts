// Builds the control plane, etcd and kwok from Go modules, once.
// Each upstream project gets a wrapper module under the cache dir; a component
// whose stamp matches its pinned version and flags is not rebuilt.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findGo, goEnv } from './go.ts';
import * as paths from './paths.ts';
import { versitygwBinary, versitygwComponent } from './s3-build.ts';
import { run, say, step } from './run.ts';
import { fetchUpstreamCrds, upstreamCrdsPresent } from './upstream-crds.ts';
import { ETCD_VERSION, KUBERNETES_STAGING_VERSION, KUBERNETES_VERSION, KWOK_VERSION } from './versions.ts';

interface Component {
  name: string;
  dir: string;
  modulePath: string;
  /** Packages passed to `go get` to pin versions and fill go.sum. */
  getArgs: () => Promise<string[]>;
  /** Main packages built into dir/bin in one `go build`. */
  packages: string[];
  ldflags: string;
  outputs: string[];
  /** Extra go.mod lines (replace directives), computed before `go get`. */
  goModExtra?: () => Promise<string>;
}

function versionLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.replace(/^v/, '').split('.');
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
    );
  }
  return flags.join(' ');
}

/**
 * k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
 * ./staging paths, which a dependent module cannot use. Read the list from the
 * downloaded go.mod and replace each with its published v0.x.y release.
 */
async function kubernetesReplaces(go: string): Promise<string> {
  const { stdout } = await run([go, 'mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES_VERSION}`], {
    env: goEnv(),
    cwd: paths.kubernetesBuildDir,
  });
  const info = JSON.parse(stdout) as { GoMod: string };
  const upstream = await readFile(info.GoMod, 'utf8');
  const staging = [...upstream.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]);
  if (staging.length < 20) throw new Error(`expected the staging module list in ${info.GoMod}, found ${staging.length}`);
  return `replace (\n${staging.map((mod) => `\t${mod} => ${mod} ${KUBERNETES_STAGING_VERSION}`).join('\n')}\n)\n`;
}

function components(go: string): Component[] {
  const k8sCmds = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];
  const kwokVersion = KWOK_VERSION.replace(/^v/, '');
  return [
    {
      name: `kubernetes ${KUBERNETES_VERSION}`,
      dir: paths.kubernetesBuildDir,
      modulePath: 'berth.local/testenv-kubernetes',
      goModExtra: () => kubernetesReplaces(go),
      getArgs: async () => k8sCmds.map((cmd) => `k8s.io/kubernetes/cmd/${cmd}@${KUBERNETES_VERSION}`),
      packages: k8sCmds.map((cmd) => `k8s.io/kubernetes/cmd/${cmd}`),
      ldflags: versionLdflags(),
      outputs: [paths.binaries.kubeApiserver, paths.binaries.kubeControllerManager, paths.binaries.kubeScheduler, paths.binaries.kubectl],
    },
    {
      name: `etcd ${ETCD_VERSION}`,
      dir: paths.etcdBuildDir,
      modulePath: 'berth.local/testenv-etcd',
      getArgs: async () => [`go.etcd.io/etcd/server/v3@${ETCD_VERSION}`],
      packages: ['go.etcd.io/etcd/server/v3'],
      ldflags: '-s -w',
      outputs: [paths.binaries.etcd],
    },
    {
      name: `kwok ${KWOK_VERSION}`,
      dir: paths.kwokBuildDir,
      modulePath: 'berth.local/testenv-kwok',
      getArgs: async () => ['kwok', 'kwokctl'].map((cmd) => `sigs.k8s.io/kwok/cmd/${cmd}@${KWOK_VERSION}`),
      packages: ['sigs.k8s.io/kwok/cmd/kwok', 'sigs.k8s.io/kwok/cmd/kwokctl'],
      // kwokctl defaults its Kubernetes version (and the flags it passes) from this.
      ldflags: `-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwokVersion} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBERNETES_VERSION.replace(/^v/, '')}`,
      outputs: [paths.binaries.kwok, paths.binaries.kwokctl],
    },
    versitygwComponent(),
  ];
}

function stampOf(component: Component, goVersion: string): string {
  return JSON.stringify({ packages: component.packages, ldflags: component.ldflags, get: component.name, goVersion });
}

async function isBuilt(component: Component, stamp: string): Promise<boolean> {
  if (!component.outputs.every((output) => existsSync(output))) return false;
  const current = await readFile(join(component.dir, 'bin', '.stamp'), 'utf8').catch(() => '');
  return current === stamp;
}

async function buildComponent(go: string, component: Component, stamp: string): Promise<void> {
  const env = goEnv();
  const logFile = join(component.dir, 'build.log');
  await mkdir(join(component.dir, 'bin'), { recursive: true });
  await rm(logFile, { force: true });
  const extra = component.goModExtra ? await component.goModExtra() : '';
  await writeFile(join(component.dir, 'go.mod'), `module ${component.modulePath}\n\ngo 1.24\n\n${extra}`);
  await rm(join(component.dir, 'go.sum'), { force: true });
  await step(
    `${component.name}: resolve modules (go get)`,
    async () => {
      await run([go, 'get', ...(await component.getArgs())], { cwd: component.dir, env, logFile });
    },
    { heartbeat: true },
  );
  await step(
    `${component.name}: compile ${component.packages.length} binaries (log: ${logFile})`,
    async () => {
      // One package: name the output (etcd's main package would be called "v3"/"server").
      const output = component.packages.length === 1 ? component.outputs[0]! : join(component.dir, 'bin') + '/';
      await run([go, 'build', '-ldflags', component.ldflags, '-o', output, ...component.packages], {
        cwd: component.dir,
        env,
        logFile,
      });
    },
    { heartbeat: true },
  );
  await writeFile(join(component.dir, 'bin', '.stamp'), stamp);
}

export interface BuildResult {
  built: string[];
  skipped: string[];
}

/** Builds every missing or outdated component, then fetches the add-on CRDs. A warm call only reads stamps. */
export async function build(): Promise<BuildResult> {
  const go = findGo();
  const { stdout: goVersion } = await run([go, 'env', 'GOVERSION']);
  const result: BuildResult = { built: [], skipped: [] };
  for (const component of components(go)) {
    const stamp = stampOf(component, goVersion.trim());
    if (await isBuilt(component, stamp)) {
      result.skipped.push(component.name);
      continue;
    }
    await step(`build ${component.name}`, () => buildComponent(go, component, stamp));
    result.built.push(component.name);
  }
  await writeFile(paths.buildStampPath, JSON.stringify({ goVersion: goVersion.trim(), ...result }, null, 2));
  if (result.built.length === 0) say(`build: all binaries up to date in ${paths.buildDir}`);
  const crds = await fetchUpstreamCrds();
  result.built.push(...crds.fetched.map((name) => `CRDs of ${name}`));
  result.skipped.push(...crds.skipped.map((name) => `CRDs of ${name}`));
  return result;
}

/** True when every binary and CRD file exists; `up` builds what is missing first. */
export function binariesPresent(): boolean {
  return [...Object.values(paths.binaries), versitygwBinary].every((binary) => existsSync(binary)) && upstreamCrdsPresent();
}
