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
  '// "normal"',
].join(' ');

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
  return texts.map((text) => text.replaceAll("'BEHAVIOUR'", `'${BEHAVIOUR_EXPRESSION}'`)).join('\n---\n');
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
