import { Writable } from 'stream';
import { childLogger, createLogger, loggerLevelsOf } from '../../broker/logger';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  return { lines, stream };
}

describe('Broker > runtime logger levels (BROKER_LOGGER)', () => {
  it('lists root and every component; a component level applies to its children only, unset follows root', () => {
    const { lines, stream } = capture();
    const root = createLogger({ level: 'info', destination: stream, pretty: false });
    const a1 = childLogger(root, 'replica-manager');
    const b = childLogger(root, 'log-manager');
    const levels = loggerLevelsOf(a1);
    expect([...levels.levels()]).toEqual([['root', 'INFO'], ['log-manager', 'INFO'], ['replica-manager', 'INFO']]);
    levels.setLevel('replica-manager', 'DEBUG');
    const a2 = childLogger(root, 'replica-manager'); // created after the change: gets it too
    a1.debug('a1-debug');
    a2.debug('a2-debug');
    b.debug('b-debug');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['a1-debug', 'a2-debug']);
    levels.setLevel('root', 'ERROR');
    expect(levels.levels().get('log-manager')).toBe('ERROR');
    expect(levels.levels().get('replica-manager')).toBe('DEBUG');
    b.warn('b-warn');
    levels.unsetLevel('replica-manager');
    a1.info('a1-info');
    expect(lines).toHaveLength(2);
    expect(levels.levels().get('replica-manager')).toBe('ERROR');
  });
});
