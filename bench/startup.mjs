// Issue 2: `berth --version` cold start must take at most 2× `kubectl version --client`.
import { compare, findKubectl, fmt } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 20);
const kubectl = await findKubectl();
if (!kubectl) {
  console.error('startup: no kubectl found (run `npm run testenv -- build` or put kubectl on PATH)');
  process.exit(1);
}
const result = compare(
  {
    'berth --version': [process.execPath, 'bin/berth.js', '--version'],
    'kubectl version --client': [kubectl, 'version', '--client'],
    // The same with V8's compile cache off, as on the very first run after an install.
    'berth --version (no cache)': ['env', 'NODE_DISABLE_COMPILE_CACHE=1', process.execPath, 'bin/berth.js', '--version'],
  },
  RUNS,
);
const berth = result['berth --version'];
const peer = result['kubectl version --client'];
console.log(`\nCold start, ${RUNS} runs each, interleaved (node ${process.version}, kubectl ${kubectl})`);
console.log(`${'command'.padEnd(28)}${'median'.padStart(10)}${'p90'.padStart(10)}`);
for (const [name, s] of Object.entries(result)) console.log(`${name.padEnd(28)}${fmt(s.median)}${fmt(s.p90)}`);
const uncached = result['berth --version (no cache)'];
console.log(`without the compile cache: ${(uncached.median / peer.median).toFixed(2)}× kubectl`);
const ratio = berth.median / peer.median;
console.log(`ratio berth/kubectl: ${ratio.toFixed(2)}× (limit 2.00×) ${ratio <= 2 ? 'OK' : 'OVER LIMIT'}`);
process.exitCode = ratio <= 2 ? 0 : 1;
