// Runs every benchmark in bench/ that needs nothing but this machine, in sequence.
import { spawnSync } from 'node:child_process';

const only = process.argv.slice(2);
const all = ['startup.mjs', 'render.mjs', 'db-create.mjs', 'migrate.mjs', 'status.mjs', 'logs.mjs', 'web.mjs'];
let failed = 0;
for (const script of only.length ? only : all) {
  const { status } = spawnSync(process.execPath, [`bench/${script}`], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
