// Packs rendered Kubernetes objects as a Helm chart directory, so `helm upgrade --install --wait`
// can deploy exactly what `berth deploy` deploys, for the benchmarks of issue 8.
//
//   const { dir, skipped } = writeChart(join(tmp, 'api'), { name: 'api', objects });
//   helm upgrade --install api <dir> --namespace <ns> --create-namespace --wait
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Helm keeps its release record in the release namespace, so that namespace must exist before
 * the chart's objects are created (`--create-namespace`) and cannot come from the chart itself.
 */
const NOT_IN_CHART = new Set(['Namespace']);

/** Helm reads every template as a Go template: `{{` in an object's text must stay literal. */
function literal(text) {
  return text.replaceAll('{{', '{{ "{{" }}');
}

/**
 * Writes Chart.yaml and one template per object (JSON, which YAML reads as is). Returns the
 * directory and the objects left out (Namespaces: create them with `--create-namespace`).
 */
export function writeChart(dir, { name, version = '0.1.0', appVersion = '1.0.0', objects }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), JSON.stringify({ apiVersion: 'v2', name, version, appVersion, type: 'application' }, null, 2));
  const skipped = [];
  objects.forEach((object, index) => {
    if (NOT_IN_CHART.has(object.kind)) {
      skipped.push(object);
      return;
    }
    const file = `${String(index).padStart(3, '0')}-${object.kind.toLowerCase()}-${object.metadata.name}.yaml`.replace(/[^\w.-]/g, '_');
    writeFileSync(join(dir, 'templates', file), literal(JSON.stringify(object, null, 2)));
  });
  return { dir, skipped };
}
