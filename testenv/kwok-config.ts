// Builds the configuration file handed to `kwokctl create cluster --config`:
// options, our Stages (pod and node lifecycles) and a ClusterLogs rule for `kubectl logs`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { fixturesDir, stagesDir } from './paths.ts';

/**
 * jq expression naming how a fake pod behaves: the berth.dev/test-behaviour
 * annotation, else a magic image tag (of a container, else an init container), else
 * "normal". See README.md.
 */
export const BEHAVIOUR_EXPRESSION = [
  '.metadata.annotations["berth.dev/test-behaviour"]',
  '// ([(.spec.containers[], (.spec.initContainers // [])[]).image',
  '     | capture(":(?<t>pullfail|crashloop|neverready|fail|initfail|oomkilled)$") | .t] | first',
  '   | . as $t',
  '   | {"pullfail": "image-pull-backoff", "crashloop": "crash-loop", "neverready": "never-ready", "fail": "fail",',
  '      "initfail": "init-fail", "oomkilled": "oom-killed"}',
  '   | if $t == null then null else .[$t] end)',
  '// ([(.spec.containers[], (.spec.initContainers // [])[]).image | select(endswith("-steady"))] | if length > 0 then "steady" else null end)',
  '// "normal"',
].join(' ');

/** How long a "steady" pod takes to be Ready: the middle of the normal stage's 0.2–1 s, without its spread. */
export const STEADY_READY_MS = 600;

const STAGE_FILES = ['nodes.yaml', 'pods.yaml'];

/**
 * What `kubectl logs` answers. kwok picks a log by container name only (not by the pod's state),
 * so the init container `migrate` always tells of a failed migration: tests read it when a
 * migration failed. `--previous` gives the crashed instance's log.
 */
export const LOGS = {
  container: join(fixturesDir, 'container.log'),
  containerPrevious: join(fixturesDir, 'container-previous.log'),
  migrate: join(fixturesDir, 'migrate.log'),
} as const;

export const containerLogPath = LOGS.container;

async function stages(): Promise<string> {
  const texts = await Promise.all(STAGE_FILES.map((name) => readFile(join(stagesDir, name), 'utf8')));
  // The placeholder stands in a single-quoted YAML scalar; the expression has no single quote.
  return [...texts, steadyStage(texts.join('\n---\n'))].map((text) => text.replaceAll("'BEHAVIOUR'", `'${BEHAVIOUR_EXPRESSION}'`)).join('\n---\n');
}

/**
 * "steady" pods (an image tag ending in `-steady`): the normal pod stage with a fixed delay. The
 * deploy bench uses them so that runs of different tools differ by the tools, not by the spread
 * of two pods' random start-up times (±0.3 s on a two-replica rollout).
 */
function steadyStage(stages: string): string {
  const normal = stages.split('\n---\n').find((doc) => /^ {2}name: berth-pod-ready$/m.test(doc));
  const steady = normal
    ?.replace(/^( {2}name: berth-pod-ready)$/m, '$1-steady')
    .replace("values: ['normal']", "values: ['steady']")
    .replace(/^( {4})durationMilliseconds: \d+\n {4}jitterDurationMilliseconds: \d+$/m, `$1durationMilliseconds: ${STEADY_READY_MS}`)
    .replace(/^( {6}message: Started container)$/m, '$1 (steady)');
  if (
    !normal ||
    !steady ||
    !/berth-pod-ready-steady/.test(steady) ||
    !steady.includes("['steady']") ||
    steady.includes('jitter') ||
    !steady.includes('(steady)')
  )
    throw new Error('testenv/stages/pods.yaml: the berth-pod-ready stage changed shape; update steadyStage()');
  return steady;
}

function clusterLogs(): string {
  return stringify({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterLogs',
    metadata: { name: 'berth-all-pods' },
    spec: {
      // No selector: every pod. CRI-format logs; the entry without containers is the default.
      logs: [
        { containers: ['migrate'], logsFile: LOGS.migrate, previousLogsFile: LOGS.migrate, follow: false },
        { logsFile: LOGS.container, previousLogsFile: LOGS.containerPrevious, follow: false },
      ],
    },
  });
}

function kwokctlOptions(): string {
  return stringify({
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    kind: 'KwokctlConfiguration',
    // Every component listens on loopback only (kwokctl's default is all interfaces).
    options: { bindAddress: '127.0.0.1' },
  });
}

export async function kwokctlConfig(): Promise<string> {
  return [kwokctlOptions(), await stages(), clusterLogs()].join('\n---\n');
}
