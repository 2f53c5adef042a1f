/** Tests that drive librdkafka through kcat fail loudly, naming the install command, when it is missing. */
import { spawnSync } from 'child_process';

export function requireKcat(): void {
  const r = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error('kcat (librdkafka CLI) is not installed: run `apt-get install kcat`');
}
