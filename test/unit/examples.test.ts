/**
 * The example configs from the seeds must validate and render; their full output is snapshotted
 * so any change to rendering shows up as a reviewable diff of real manifests.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImage } from '../../src/config/image-ref.ts';
import { loadConfig } from '../../src/config/load.ts';
import { render, renderPlatform } from '../../src/render/index.ts';
import { parseAllDocuments } from 'yaml';
import { toYamlStream } from '../../src/manifests/serialize.ts';
import { exampleNames } from '../../testenv/examples.ts';

const root = join(import.meta.dirname, '../../examples');
const examples = exampleNames();

describe('examples', () => {
  it('covers the five seed setups', () => {
    expect(examples).toEqual(['docfast', 'honeydue', 'katforge', 'kumiko', 'school']);
  });

  for (const name of examples) {
    it(`${name} validates without warnings and renders every environment`, async () => {
      const { config, warnings } = await loadConfig({ cwd: join(root, name) });
      // Only the notices for features whose in-cluster runner is not built yet.
      expect(warnings.filter((w) => !/not scheduled yet|not published/.test(w.message))).toEqual([]);
      const platform = renderPlatform(config);
      if (platform.length) await expect(toYamlStream(platform)).toMatchFileSnapshot(`__snapshots__/examples/${name}.platform.yaml`);
      for (const env of Object.keys(config.environments)) {
        const tags = Object.fromEntries(
          Object.entries(config.apps)
            .filter(([, app]) => !parseImage(app.image).tag)
            .map(([a]) => [a, tagFor(name, env)]),
        );
        const objects = render(config, env, { tags });
        const yaml = toYamlStream(objects);
        // What kubectl or Flux reads back must be exactly what was rendered.
        expect(parseAllDocuments(yaml).map((d) => d.toJS())).toEqual(JSON.parse(JSON.stringify(objects)));
        await expect(yaml).toMatchFileSnapshot(`__snapshots__/examples/${name}.${env}.yaml`);
      }
    });
  }
});

/** A tag in each example's own scheme, so snapshots show what a real deploy renders. */
function tagFor(example: string, env: string): string {
  if (example === 'docfast' && env === 'staging') return '3f9c2ab';
  return { docfast: '1.4.2', honeydue: '3f9c2ab', katforge: '2.7.0', kumiko: '9e1d4c7', school: 'prod-20260301.17' }[example] ?? 'latest';
}
