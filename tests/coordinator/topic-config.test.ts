import { ErrorCode } from '../../protocol/errors';
import { ConfigSource, resolveTopicConfigs, toLogConfig, validateTopicConfigs } from '../../coordinator/topic-config';

describe('Coordinator > topic configs', () => {
  const broker = (set: Record<string, string>) => (k: string) => (set[k] !== undefined ? { value: set[k]!, source: ConfigSource.STATIC_BROKER_CONFIG } : undefined);

  it('resolves topic override > broker synonym (scaled) > Kafka default, with synonyms in order', () => {
    const r = resolveTopicConfigs({ 'cleanup.policy': 'compact' }, broker({ 'log.retention.hours': '2', 'message.max.bytes': '5000' }));
    const get = (k: string) => r.find((x) => x.key === k)!;
    expect(get('cleanup.policy')).toMatchObject({ value: 'compact', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(get('retention.ms')).toMatchObject({ value: String(2 * 3_600_000), source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(get('retention.ms').synonyms).toEqual([
      { key: 'log.retention.hours', value: '2', source: ConfigSource.STATIC_BROKER_CONFIG },
      { key: 'log.retention.ms', value: '604800000', source: ConfigSource.DEFAULT_CONFIG },
    ]);
    expect(get('max.message.bytes')).toMatchObject({ value: '5000' });
    expect(get('segment.bytes')).toMatchObject({ value: '1073741824', source: ConfigSource.DEFAULT_CONFIG });
    const lc = toLogConfig(r);
    expect(lc.cleanupPolicy).toEqual({ delete: false, compact: true });
    expect(lc.retentionMs).toBe(7_200_000);
    expect(lc.maxMessageBytes).toBe(5000);
    expect(lc.flushMessages).toBe(Number.MAX_SAFE_INTEGER);
    expect(lc.messageTimestampType).toBe('CreateTime');
  });

  it('validates names and values with INVALID_CONFIG messages naming key, value and what is allowed', () => {
    expect(validateTopicConfigs({ 'retention.ms': ' 100 ', 'cleanup.policy': 'compact,delete' })).toEqual({ 'retention.ms': '100', 'cleanup.policy': 'compact,delete' });
    expect(() => validateTopicConfigs({ 'no.such': '1' })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG, message: expect.stringMatching(/Unknown topic config name: no.such/) }));
    expect(() => validateTopicConfigs({ 'segment.bytes': '10' })).toThrow(/segment.bytes: invalid value '10'; allowed is an int >= 14/);
    expect(() => validateTopicConfigs({ 'cleanup.policy': 'forever' })).toThrow(/cleanup.policy/);
    expect(() => validateTopicConfigs({ 'min.cleanable.dirty.ratio': '2' })).toThrow(/<= 1/);
  });
});
