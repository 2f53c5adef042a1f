import { ErrorCode } from '../../protocol/errors';
import { ConfigSource, brokerSynonyms, resolveTopicConfigs, toLogConfig, validateTopicConfigs, type BrokerSettings } from '../../coordinator/topic-config';

/** Broker settings: `set` at the given source, plus Kafka's non-null defaults of the keys used here. */
const DEFAULTS: Record<string, string> = { 'log.retention.hours': '168', 'log.segment.bytes': '1073741824', 'log.roll.hours': '168', 'log.cleaner.max.compaction.lag.ms': '9223372036854775807', 'log.cleaner.min.compaction.lag.ms': '0' };
function settings(set: Record<string, string>, source = ConfigSource.STATIC_BROKER_CONFIG): BrokerSettings {
  return (k) => [
    ...(set[k] !== undefined ? [{ value: set[k]!, source }] : []),
    ...(DEFAULTS[k] !== undefined ? [{ value: DEFAULTS[k]!, source: ConfigSource.DEFAULT_CONFIG }] : []),
  ];
}

describe('Coordinator > topic configs', () => {
  it('resolves topic override > broker synonym (scaled) > Kafka default', () => {
    const r = resolveTopicConfigs({ 'cleanup.policy': 'compact' }, settings({ 'log.retention.hours': '2', 'message.max.bytes': '5000' }));
    const get = (k: string) => r.find((x) => x.key === k)!;
    expect(get('cleanup.policy')).toMatchObject({ value: 'compact', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(get('retention.ms').value).toBe(String(2 * 3_600_000));
    expect(get('max.message.bytes')).toMatchObject({ value: '5000', source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(get('segment.bytes')).toMatchObject({ value: '1073741824', source: ConfigSource.DEFAULT_CONFIG });
    const lc = toLogConfig(r);
    expect(lc.cleanupPolicy).toEqual({ delete: false, compact: true });
    expect(lc.retentionMs).toBe(7_200_000);
    expect(lc.maxMessageBytes).toBe(5000);
    expect(lc.flushMessages).toBe(Number.MAX_SAFE_INTEGER);
    expect(lc.messageTimestampType).toBe('CreateTime');
    expect(resolveTopicConfigs({}, settings({ 'log.retention.hours': '-1' })).find((x) => x.key === 'retention.ms')!.value).toBe('-1');
  });

  it('lists synonyms as Kafka 3.9 ConfigHelper does: level by level, from the primary broker key on', () => {
    const syn = (overrides: Record<string, string>, set: Record<string, string>, key: string, source?: ConfigSource) =>
      resolveTopicConfigs(overrides, settings(set, source)).find((x) => x.key === key)!;
    // Nothing set: log.retention.ms has no default, and the hours default before it is dropped.
    expect(syn({}, {}, 'retention.ms')).toMatchObject({ source: ConfigSource.DEFAULT_CONFIG, synonyms: [] });
    // Only log.retention.hours set: still no synonym, source DEFAULT_CONFIG (Kafka's own answer), value scaled.
    expect(syn({}, { 'log.retention.hours': '2' }, 'retention.ms')).toMatchObject({ value: '7200000', source: ConfigSource.DEFAULT_CONFIG, synonyms: [] });
    // log.retention.ms set: it, then the lower levels of the other keys of the group.
    expect(syn({}, { 'log.retention.ms': '5000', 'log.retention.hours': '2' }, 'retention.ms')).toMatchObject({
      value: '5000',
      source: ConfigSource.STATIC_BROKER_CONFIG,
      synonyms: [
        { key: 'log.retention.ms', value: '5000', source: ConfigSource.STATIC_BROKER_CONFIG },
        { key: 'log.retention.hours', value: '2', source: ConfigSource.STATIC_BROKER_CONFIG },
        { key: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
    // A key with a non-null broker default lists it as DEFAULT_CONFIG.
    expect(syn({ 'segment.bytes': '2000' }, {}, 'segment.bytes').synonyms).toEqual([
      { key: 'segment.bytes', value: '2000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
      { key: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG },
    ]);
    // Topic keys without a server default list no broker synonym.
    expect(syn({}, {}, 'remote.storage.enable').synonyms).toEqual([]);
    expect(syn({}, { 'log.local.retention.ms': '10' }, 'local.retention.ms')).toMatchObject({ value: '10', synonyms: [{ key: 'log.local.retention.ms', value: '10' }] });
  });

  it('orders broker synonyms by level before key (brokerSynonyms)', () => {
    const s: BrokerSettings = (k) => (k === 'a' ? [{ value: '1', source: ConfigSource.STATIC_BROKER_CONFIG }] : k === 'b' ? [{ value: '2', source: ConfigSource.DYNAMIC_BROKER_CONFIG }] : []);
    expect(brokerSynonyms('a', ['a', 'b'], s)).toEqual([{ key: 'a', value: '1', source: ConfigSource.STATIC_BROKER_CONFIG }]);
    expect(brokerSynonyms('b', ['a', 'b'], s)).toEqual([
      { key: 'b', value: '2', source: ConfigSource.DYNAMIC_BROKER_CONFIG },
      { key: 'a', value: '1', source: ConfigSource.STATIC_BROKER_CONFIG },
    ]);
  });

  it('validates names and values with INVALID_CONFIG messages naming key, value and what is allowed', () => {
    expect(validateTopicConfigs({ 'retention.ms': ' 100 ', 'cleanup.policy': 'compact,delete' })).toEqual({ 'retention.ms': '100', 'cleanup.policy': 'compact,delete' });
    expect(() => validateTopicConfigs({ 'no.such': '1' })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG, message: expect.stringMatching(/Unknown topic config name: no.such/) }));
    expect(() => validateTopicConfigs({ 'segment.bytes': '10' })).toThrow(/segment.bytes: invalid value '10'; allowed is an int >= 14/);
    expect(() => validateTopicConfigs({ 'cleanup.policy': 'forever' })).toThrow(/cleanup.policy/);
    expect(() => validateTopicConfigs({ 'min.cleanable.dirty.ratio': '2' })).toThrow(/<= 1/);
  });

  it('refuses min.compaction.lag.ms above max.compaction.lag.ms, combined with the broker defaults', () => {
    const invalid = expect.objectContaining({ code: ErrorCode.INVALID_CONFIG, message: 'conflict topic config setting min.compaction.lag.ms (100) > max.compaction.lag.ms (50)' });
    expect(() => validateTopicConfigs({ 'min.compaction.lag.ms': '100', 'max.compaction.lag.ms': '50' })).toThrow(invalid);
    expect(() => validateTopicConfigs({ 'min.compaction.lag.ms': '100' }, (k) => (k === 'log.cleaner.max.compaction.lag.ms' ? '50' : undefined))).toThrow(invalid);
    expect(() => validateTopicConfigs({ 'max.compaction.lag.ms': '50' }, (k) => (k === 'log.cleaner.min.compaction.lag.ms' ? '100' : undefined)))
      .toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }));
    expect(validateTopicConfigs({ 'min.compaction.lag.ms': '50', 'max.compaction.lag.ms': '50' })).toEqual({ 'min.compaction.lag.ms': '50', 'max.compaction.lag.ms': '50' });
  });

  it('refuses tiered storage as ZooKeeper-mode Kafka without remote.log.storage.system.enable', () => {
    expect(() => validateTopicConfigs({ 'remote.storage.enable': 'true' })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG, message: expect.stringMatching(/^Tiered Storage functionality is disabled/) }));
    expect(() => validateTopicConfigs({ 'remote.log.copy.disable': 'true' })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG, message: expect.stringMatching(/under Zookeeper's mode/) }));
    expect(() => validateTopicConfigs({ 'remote.log.delete.on.disable': 'true' })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }));
    expect(validateTopicConfigs({ 'remote.storage.enable': 'false', 'remote.log.copy.disable': 'false', 'local.retention.ms': '5' })).toEqual({ 'remote.storage.enable': 'false', 'remote.log.copy.disable': 'false', 'local.retention.ms': '5' });
  });
});
