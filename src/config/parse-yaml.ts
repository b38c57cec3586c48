/**
 * YAML parsing behind a module boundary: commands import it only when they read YAML. js-yaml
 * reads a 100-app config about 2.5× faster than the `yaml` package (see bench/render.mjs), and
 * its YAML 1.2 core schema keeps `on`, `yes` and dates as the strings people meant.
 */
import { load, YAMLException } from 'js-yaml';

export interface YamlProblem {
  message: string;
  line: number | undefined;
}

export function parseYaml(text: string): { value: unknown } | { problem: YamlProblem } {
  try {
    return { value: load(text) };
  } catch (error) {
    if (error instanceof YAMLException) {
      // js-yaml counts lines from 0.
      return { problem: { message: error.reason, line: error.mark ? error.mark.line + 1 : undefined } };
    }
    throw error;
  }
}
