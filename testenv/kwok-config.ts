// Builds the configuration file handed to `kwokctl create cluster --config`:
// options, our Stages (pod and node lifecycles) and a ClusterLogs rule for `kubectl logs`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { fixturesDir, stagesDir } from './paths.ts';

/**
 * jq expression naming how a fake pod behaves: the berth.dev/test-behaviour
 * annotation, else a magic image tag, else "normal". See README.md.
 */
export const BEHAVIOUR_EXPRESSION = [
  '.metadata.annotations["berth.dev/test-behaviour"]',
  '// ([.spec.containers[].image | capture(":(?<t>pullfail|crashloop|neverready|fail)$") | .t] | first',
  '   | . as $t',
  '   | {"pullfail": "image-pull-backoff", "crashloop": "crash-loop", "neverready": "never-ready", "fail": "fail"}',
  '   | if $t == null then null else .[$t] end)',
  '// "normal"',
].join(' ');

const STAGE_FILES = ['nodes.yaml', 'pods.yaml'];

export const containerLogPath = join(fixturesDir, 'container.log');

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
      // No selector: every pod, every container, gets the same CRI-format log.
      logs: [{ logsFile: containerLogPath, previousLogsFile: containerLogPath, follow: false }],
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
