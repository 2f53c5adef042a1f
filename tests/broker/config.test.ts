import { ConfigError, loadConfig, parseListeners, parseOverrides, parseProperties } from '../../broker/config/config';

describe('Broker > config', () => {
  it('applies Kafka 3.9 defaults', () => {
    const { config } = loadConfig({});
    expect(config.brokerId).toBe(-1);
    expect(config.numPartitions).toBe(1);
    expect(config.defaultReplicationFactor).toBe(1);
    expect(config.autoCreateTopicsEnable).toBe(true);
    expect(config.logSegmentBytes).toBe(1073741824);
    expect(config.logRetentionMs).toBe(168 * 3_600_000);
    expect(config.logRetentionBytes).toBe(-1);
    expect(config.messageMaxBytes).toBe(1048588);
    expect(config.socketRequestMaxBytes).toBe(104857600);
    expect(config.groupInitialRebalanceDelayMs).toBe(3000);
    expect(config.offsetsTopicNumPartitions).toBe(50);
    expect(config.connectionsMaxIdleMs).toBe(600000);
    expect(config.logDirs).toEqual(['/tmp/kafka-logs']);
    expect(config.listeners).toEqual([{ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '', port: 9092 }]);
    expect(config.logCleanupPolicy).toEqual(['delete']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses typed values, retention precedence ms > minutes > hours, and log.dirs over log.dir', () => {
    const { config } = loadConfig({
      'broker.id': '3',
      'log.retention.hours': '1',
      'log.retention.minutes': '5',
      'log.dir': '/a',
      'log.dirs': '/b,/c',
      'auto.create.topics.enable': 'false',
      'log.cleanup.policy': 'compact,delete',
      'max.connections.per.ip.overrides': '10.0.0.1:5',
    });
    expect(config.brokerId).toBe(3);
    expect(config.logRetentionMs).toBe(5 * 60_000);
    expect(config.logDirs).toEqual(['/b', '/c']);
    expect(config.autoCreateTopicsEnable).toBe(false);
    expect(config.logCleanupPolicy).toEqual(['compact', 'delete']);
    expect(config.maxConnectionsPerIpOverrides.get('10.0.0.1')).toBe(5);
    expect(loadConfig({ 'log.retention.ms': '-1' }).config.logRetentionMs).toBe(-1);
    expect(loadConfig({ 'log.flush.interval.messages': '9223372036854775807' }).config.logFlushIntervalMessages).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reports unknown keys and ignored keys without failing', () => {
    const r = loadConfig({ 'no.such.key': 'x', 'num.network.threads': '3' });
    expect(r.unknownKeys).toEqual(['no.such.key']);
    expect(r.ignoredKeys).toEqual(['num.network.threads']);
  });

  it.each([
    ['num.partitions', 'abc', /num\.partitions.*'abc'.*an int >= 1/],
    ['num.partitions', '0', /num\.partitions.*'0'.*>= 1/],
    ['auto.create.topics.enable', 'yes', /auto\.create\.topics\.enable.*'yes'.*true or false/],
    ['log.cleanup.policy', 'forever', /log\.cleanup\.policy.*'forever'.*compact, delete/],
    ['log.segment.bytes', '99999999999', /log\.segment\.bytes.*'99999999999'/],
    ['log.message.timestamp.type', 'Now', /one of CreateTime, LogAppendTime/],
    ['max.connections.per.ip', '0', /max\.connections\.per\.ip.*'0'.*allowed only when max\.connections\.per\.ip\.overrides is set/],
  ])('rejects %s=%s with one line naming key, value and what is allowed', (key, value, re) => {
    let err: unknown;
    try {
      loadConfig({ [key]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses log.cleaner.min.compaction.lag.ms above the max at startup (Kafka\'s validateBrokerLogConfigValues)', () => {
    expect(() => loadConfig({ 'log.cleaner.min.compaction.lag.ms': '100', 'log.cleaner.max.compaction.lag.ms': '50' })).toThrow(/min\.compaction\.lag\.ms \(100\) > max\.compaction\.lag\.ms \(50\)/);
    expect(loadConfig({ 'log.cleaner.min.compaction.lag.ms': '50', 'log.cleaner.max.compaction.lag.ms': '50' }).config.brokerId).toBe(-1);
  });

  it('reads the transaction coordinator keys (no longer ignored)', () => {
    const r = loadConfig({ 'transaction.max.timeout.ms': '1000', 'transaction.state.log.num.partitions': '7', 'transaction.state.log.min.isr': '1', 'transactional.id.expiration.ms': '5000' });
    expect(r.ignoredKeys).toEqual([]);
    expect(r.config.transactionMaxTimeoutMs).toBe(1000);
    expect(r.config.transactionStateLogNumPartitions).toBe(7);
    expect(r.config.transactionStateLogMinIsr).toBe(1);
    expect(r.config.transactionalIdExpirationMs).toBe(5000);
    expect(r.config.transactionStateLogReplicationFactor).toBe(3);
  });

  it('accepts Kafka 3.9 keys Gregor has no use for as ignored, and keeps unknown keys as custom configs', () => {
    const r = loadConfig({ 'log.cleaner.io.buffer.size': '100', 'log.cleaner.io.buffer.load.factor': '0.5', 'max.connection.creation.rate': '5', 'quota.window.num': '3', 'my.key': 'v' });
    expect([...r.ignoredKeys].sort()).toEqual(['log.cleaner.io.buffer.load.factor', 'log.cleaner.io.buffer.size', 'max.connection.creation.rate', 'quota.window.num']);
    expect(r.unknownKeys).toEqual(['my.key']);
    expect(r.config.explicit.get('my.key')).toBe('v');
    expect(r.config.settings.get('log.cleaner.io.buffer.size')).toBe('100');
    expect(() => loadConfig({ 'log.cleaner.io.buffer.size': '-1' })).toThrow(/log\.cleaner\.io\.buffer\.size/);
  });

  it('parses listeners and rejects bad ones', () => {
    const map = new Map([['PLAINTEXT', 'PLAINTEXT'], ['INTERNAL', 'PLAINTEXT'], ['SSL', 'SSL']]);
    expect(parseListeners('listeners', 'PLAINTEXT://127.0.0.1:9092,INTERNAL://:9093', map)).toEqual([
      { name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
      { name: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: '', port: 9093 },
    ]);
    expect(parseListeners('listeners', 'PLAINTEXT://[::1]:9092', map)[0]!.host).toBe('::1');
    expect(() => parseListeners('listeners', 'PLAINTEXT://host', map)).toThrow(/'PLAINTEXT:\/\/host' is not NAME:\/\/host:port/);
    expect(() => parseListeners('listeners', 'PLAINTEXT://h:70000', map)).toThrow(ConfigError);
    expect(() => parseListeners('listeners', 'SSL://:9093', map)).toThrow(/SSL.*not supported.*PLAINTEXT/);
    expect(() => parseListeners('listeners', 'FOO://:9093', map)).toThrow(/FOO is not in listener.security.protocol.map/);
    expect(() => loadConfig({ listeners: 'PLAINTEXT://:1', 'advertised.listeners': 'OTHER://x:1' })).toThrow(ConfigError);
  });

  it('parses .properties text and --override items', () => {
    expect(parseProperties('# c\n! c\nbroker.id=1\nlog.dirs = /x\nzookeeper.connect: zk:2181\nlong=a\\\n  b\n')).toEqual({
      'broker.id': '1',
      'log.dirs': '/x',
      'zookeeper.connect': 'zk:2181',
      long: 'ab',
    });
    expect(parseOverrides(['a=1', 'b=x=y'])).toEqual({ a: '1', b: 'x=y' });
    expect(() => parseOverrides(['novalue'])).toThrow(ConfigError);
  });
});
