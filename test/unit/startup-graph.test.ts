// Command modules must stay light: `berth --version` and `--help` load the CLI entry and every
// command's metadata, and must not load the Kubernetes client, pg, zod or js-yaml with them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }>;
}

const meta = () => JSON.parse(readFileSync(new URL('../../dist/metafile.json', import.meta.url), 'utf8')) as Metafile;

/** Every source file that loading this output loads statically, its own included. */
function staticInputsOf(meta: Metafile, output: string): string[] {
  const seen = new Set<string>();
  const queue = [output];
  while (queue.length) {
    const next = queue.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    for (const imported of meta.outputs[next]?.imports ?? []) {
      if (imported.kind === 'import-statement' && meta.outputs[imported.path]) queue.push(imported.path);
    }
  }
  return [...seen].flatMap((loaded) => Object.keys(meta.outputs[loaded]!.inputs));
}

/** The same, from the output (chunk) that holds a source file. */
function staticInputs(meta: Metafile, input: string): string[] {
  const start = Object.keys(meta.outputs).find((o) => meta.outputs[o]!.inputs[input]);
  expect(start, `${input} is in the bundle`).toBeDefined();
  return staticInputsOf(meta, start!);
}

describe('CLI start-up', () => {
  it("statically loads no heavy library (they load inside a command's run)", () => {
    const inputs = staticInputsOf(meta(), 'dist/cli.js');
    expect(inputs.some((i) => i.startsWith('src/cli/commands/'))).toBe(true);
    expect(inputs.filter((i) => /node_modules\/(zod|pg|pg-[a-z]+|@kubernetes|js-yaml|@aws-sdk|@smithy|croner)\//.test(i))).toEqual([]);
  });

  it('renders without the Kubernetes client: render (and render --platform with its Roles) is pure', () => {
    const inputs = staticInputs(meta(), 'src/render/index.ts');
    expect(inputs).toContain('src/platform/web-access.ts');
    expect(inputs.filter((i) => /node_modules\/(@kubernetes|pg|@aws-sdk)\//.test(i))).toEqual([]);
  });

  it('deploys, reads and watches without client-node (its import alone took ~200 ms of a deploy): only a credential plugin user loads it', () => {
    const metafile = meta();
    for (const entry of ['src/deploy/run.ts', 'src/ops/status.ts', 'src/cluster/watch.ts', 'src/cluster/pod-logs.ts']) {
      expect(
        staticInputs(metafile, entry).filter((i) => /node_modules\/(@kubernetes|undici|ws)\//.test(i)),
        entry,
      ).toEqual([]);
    }
  });
});
