/**
 * Reading the log files of dev-cluster processes: the tail of a file (as readable lines, for a
 * failing test or a person), the lines matching a pattern, and the text appended after a byte
 * position (how a starting broker's "started" line is found). Broker lines are pino JSON; they
 * are shown as `HH:MM:ss.mmm LEVEL [component] message {other fields}`. Non-JSON lines (Node's
 * own errors, ZooKeeper's log4j lines, separators) are shown as they are.
 */
import fs from 'fs';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component']);

/** One log line as a person reads it. */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof o['time'] === 'string' ? o['time'].slice(11, 23) : String(o['time'] ?? '');
  const level = LEVELS[o['level'] as number] ?? String(o['level']);
  const component = o['component'] !== undefined ? ` [${String(o['component'])}]` : '';
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!SHOWN_ELSEWHERE.has(k)) rest[k] = v;
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${time} ${level}${component} ${String(o['msg'] ?? '')}${extra}`;
}

/** Size of the file in bytes, 0 when it does not exist. */
export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Text of `file` from byte `from` to its current end ('' when missing). */
export function readFrom(file: string, from: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= from) return '';
    const buf = Buffer.alloc(size - from);
    const n = fs.readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The last `lines` lines of `file` (reading at most its last `maxBytes` bytes), formatted. */
export function tailLog(file: string, lines = 40, maxBytes = 256 * 1024): string {
  const size = fileSize(file);
  const text = readFrom(file, Math.max(0, size - maxBytes));
  const all = text.split('\n').filter((l) => l.length > 0);
  return all.slice(-lines).map(formatLogLine).join('\n');
}

/** The formatted lines of `file` matching `pattern` (the raw JSON line is matched), at most the last `limit`. */
export function grepLog(file: string, pattern: RegExp, limit = 50): string[] {
  const text = readFrom(file, 0);
  const hits = text.split('\n').filter((l) => l.length > 0 && pattern.test(l));
  return hits.slice(-limit).map(formatLogLine);
}
