/**
 * YAML parsing behind a module boundary: commands import it only when they read YAML, since the
 * parser is the largest module a render would otherwise load. (A static import here also lets the
 * bundler see `yaml`'s CommonJS exports by name, which a bare dynamic import would not.)
 */
import { parse, YAMLParseError } from 'yaml';

export interface YamlProblem {
  message: string;
  line: number | undefined;
}

export function parseYaml(text: string): { value: unknown } | { problem: YamlProblem } {
  try {
    return { value: parse(text) };
  } catch (error) {
    const line = error instanceof YAMLParseError ? error.linePos?.[0].line : undefined;
    return { problem: { message: (error as Error).message.split('\n')[0] ?? '', line } };
  }
}
