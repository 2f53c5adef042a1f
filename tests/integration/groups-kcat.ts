/** kcat (librdkafka) balanced consumers for the group integration tests. */
import { spawn, type ChildProcess } from 'child_process';


export interface KcatMember {
  proc: ChildProcess;
  /** "partition value" lines printed so far. */
  lines: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `kcat -G group topic` with extra -X properties; prints "<partition> <value>" per message. */
export function kcatConsumer(bootstrap: string, group: string, topic: string, props: Record<string, string> = {}): KcatMember {
  const args = ['-b', bootstrap, '-G', group, '-o', 'beginning', '-q', '-u', '-f', '%p %s\\n', '-X', 'topic.metadata.refresh.interval.ms=1000', '-X', 'heartbeat.interval.ms=200'];
  for (const [k, v] of Object.entries(props)) args.push('-X', `${k}=${v}`);
  args.push(topic);
  const proc = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let rest = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.length > 0));
  });
  proc.stderr!.on('data', () => undefined);
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  return {
    proc,
    lines,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}
