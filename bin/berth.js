#!/usr/bin/env node
// berth needs Node 24 (client-node 2.x and TypeScript configs rely on it); say so plainly.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `berth needs Node.js 24 or newer; this is ${process.version}.\n` +
      'Run it through npm (`npx berth`, npm scripts) in a project with the node@24 devDependency, or install Node 24.\n',
  );
  process.exit(1);
}
// Reuse V8's compiled code between runs (Node keeps it in its tmpdir cache): most of a short
// command's start-up is compiling the bundle, not running it.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('../dist/cli.js');
