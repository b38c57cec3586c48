/** Flux setter markers: on the images a deploy tags, never on images pinned in the config. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { resolveEnvironment } from '../../src/config/resolve.ts';
import { markImages, policyMarkers } from '../../src/manifests/image-policy.ts';
import { toYamlStream } from '../../src/manifests/serialize.ts';
import { render } from '../../src/render/index.ts';

describe('Flux image-policy markers', () => {
  it("marks the school platform's image, including its migrate init container, and leaves its pinned postgres alone", async () => {
    const { config } = await loadConfig({ cwd: join(import.meta.dirname, '../../examples/school') });
    const tags = { 'school-platform': 'prod-20260301.17' };
    const markers = policyMarkers(resolveEnvironment(config, 'production', { tags }), config.environments.production!.imagePolicy!);
    const yaml = markImages(toYamlStream(render(config, 'production', { tags })), markers);
    const imageLines = yaml.split('\n').filter((l) => /^\s*(- )?image: /.test(l));
    expect(imageLines.filter((l) => l.includes('registry.gitlab.com/school/platform'))).toHaveLength(2);
    for (const line of imageLines) {
      if (line.includes('registry.gitlab.com/school/platform')) {
        expect(line).toMatch(/image: registry.gitlab.com\/school\/platform:prod-20260301.17 # \{"\$imagepolicy": "flux-system:school-platform-production"\}$/);
      } else {
        expect(line).not.toContain('$imagepolicy');
      }
    }
  });
});
