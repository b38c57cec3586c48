// Command modules must stay light: `berth --version` and `--help` load the CLI entry and every
// command's metadata, and must not load the Kubernetes client, pg, zod or js-yaml with them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }>;
}

/** Every source file the output holding `input` loads statically, its own included. */
function staticInputs(meta: Metafile, input: string): string[] {
  const start = Object.keys(meta.outputs).find((o) => meta.outputs[o]!.inputs[input]);
  expect(start, `${input} is in the bundle`).toBeDefined();
  const seen = new Set<string>();
  const queue = [start!];
  while (queue.length) {
    const output = queue.pop()!;
    if (seen.has(output)) continue;
    seen.add(output);
    for (const imported of meta.outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && meta.outputs[imported.path]) queue.push(imported.path);
    }
  }
  return [...seen].flatMap((output) => Object.keys(meta.outputs[output]!.inputs));
}

describe('CLI start-up', () => {
  it("statically loads no heavy library (they load inside a command's run)", () => {
    const meta = JSON.parse(readFileSync(new URL('../../dist/metafile.json', import.meta.url), 'utf8')) as Metafile;
    const seen = new Set<string>();
    const queue = ['dist/cli.js'];
    while (queue.length) {
      const output = queue.pop()!;
      if (seen.has(output)) continue;
      seen.add(output);
      for (const imported of meta.outputs[output]?.imports ?? []) {
        if (imported.kind === 'import-statement' && meta.outputs[imported.path]) queue.push(imported.path);
      }
    }
    const inputs = [...seen].flatMap((output) => Object.keys(meta.outputs[output]!.inputs));
    expect(inputs.some((i) => i.startsWith('src/cli/commands/'))).toBe(true);
    expect(inputs.filter((i) => /node_modules\/(zod|pg|pg-[a-z]+|@kubernetes|js-yaml|@aws-sdk|@smithy|croner)\//.test(i))).toEqual([]);
  });

  it('renders without the Kubernetes client: render (and render --platform with its Roles) is pure', () => {
    const meta = JSON.parse(readFileSync(new URL('../../dist/metafile.json', import.meta.url), 'utf8')) as Metafile;
    const start = Object.keys(meta.outputs).find((o) => meta.outputs[o]!.inputs['src/render/index.ts']);
    expect(start).toBeDefined();
    const seen = new Set<string>();
    const queue = [start!];
    while (queue.length) {
      const output = queue.pop()!;
      if (seen.has(output)) continue;
      seen.add(output);
      for (const imported of meta.outputs[output]?.imports ?? []) {
        if (imported.kind === 'import-statement' && meta.outputs[imported.path]) queue.push(imported.path);
      }
    }
    const inputs = [...seen].flatMap((output) => Object.keys(meta.outputs[output]!.inputs));
    expect(inputs).toContain('src/platform/web-access.ts');
    expect(inputs.filter((i) => /node_modules\/(@kubernetes|pg|@aws-sdk)\//.test(i))).toEqual([]);
  });

  it('deploys, reads and watches without client-node (its import alone took ~200 ms of a deploy): only a credential plugin user loads it', () => {
    const meta = JSON.parse(readFileSync(new URL('../../dist/metafile.json', import.meta.url), 'utf8')) as Metafile;
    for (const entry of ['src/deploy/run.ts', 'src/ops/status.ts', 'src/cluster/watch.ts', 'src/cluster/pod-logs.ts']) {
      expect(
        staticInputs(meta, entry).filter((i) => /node_modules\/(@kubernetes|undici|ws)\//.test(i)),
        entry,
      ).toEqual([]);
    }
  });
});
