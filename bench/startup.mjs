// Issue 2: `berth --version` cold start must take at most 2× `kubectl version --client`.
import { compare, findKubectl, fmt } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 20);
const kubectl = findKubectl();
if (!kubectl) {
  console.error('startup: no kubectl found (run `npm run testenv -- build` or put kubectl on PATH)');
  process.exit(1);
}
const result = compare(
  {
    'berth --version': [process.execPath, 'bin/berth.js', '--version'],
    'kubectl version --client': [kubectl, 'version', '--client'],
  },
  RUNS,
);
const berth = result['berth --version'];
const peer = result['kubectl version --client'];
console.log(`\nCold start, ${RUNS} runs each, interleaved (node ${process.version}, kubectl ${kubectl})`);
console.log(`${'command'.padEnd(28)}${'median'.padStart(10)}${'p90'.padStart(10)}`);
for (const [name, s] of Object.entries(result)) console.log(`${name.padEnd(28)}${fmt(s.median)}${fmt(s.p90)}`);
const ratio = berth.median / peer.median;
console.log(`ratio berth/kubectl: ${ratio.toFixed(2)}× (limit 2.00×) ${ratio <= 2 ? 'OK' : 'OVER LIMIT'}`);
process.exitCode = ratio <= 2 ? 0 : 1;
