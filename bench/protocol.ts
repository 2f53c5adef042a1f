/**
 * `npm run bench:protocol`: the codec benchmark (Produce decode, Fetch encode) and the record
 * benchmark (CRC-32C, compression codecs) in one run, printed as markdown for BENCHMARKS.md.
 */
import { cpus } from 'node:os';
import { runProtocolCodecBench, formatTable } from './protocol-codec';
import { runProtocolRecordsBench } from './protocol-records';

function main(): void {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`Protocol benchmark: node ${process.version}, ${cpus().length} x ${cpu}\n`);
  console.log(formatTable(runProtocolCodecBench()));
  console.log('');
  console.log(runProtocolRecordsBench());
}

main();
