/**
 * DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and CreateTopics configs over the raw
 * protocol, checked against what Kafka 3.9 (ZooKeeper mode) answers.
 */
import { ApiKey } from '../../protocol/generated/api-keys';
import { ErrorCode } from '../../protocol/errors';
import { defaultCreatableTopic, defaultCreateTopicsRequest, type CreateTopicsRequest } from '../../protocol/generated/create-topics-request';
import type { CreateTopicsResponse } from '../../protocol/generated/create-topics-response';
import { defaultAlterableConfig, defaultAlterConfigsResource, defaultIncrementalAlterConfigsRequest, type IncrementalAlterConfigsRequest } from '../../protocol/generated/incremental-alter-configs-request';
import type { IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs-response';
import * as legacy from '../../protocol/generated/alter-configs-request';
import type { AlterConfigsResponse } from '../../protocol/generated/alter-configs-response';
import { defaultDescribeConfigsRequest, defaultDescribeConfigsResource, type DescribeConfigsRequest } from '../../protocol/generated/describe-configs-request';
import type { DescribeConfigsResponse } from '../../protocol/generated/describe-configs-response';
import { startTestBroker, type TestBroker } from './helpers';
import { RawClient } from '../../bench/raw-client';

jest.setTimeout(30000);

const TOPIC = 2;
const BROKER = 4;

describe('Integration > config APIs as Kafka 3.9 answers them (raw protocol)', () => {
  let broker: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    broker = await startTestBroker();
    c = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    c.close();
    await broker.destroy();
  });

  const create = (name: string, configs: Record<string, string>) =>
    c.request<CreateTopicsRequest, CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      ...defaultCreateTopicsRequest(),
      timeoutMs: 5000,
      topics: [{ ...defaultCreatableTopic(), name, numPartitions: 1, replicationFactor: 1, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    });
  const describe = (resources: { type: number; name: string; keys?: string[] }[], version = 4) =>
    c.request<DescribeConfigsRequest, DescribeConfigsResponse>(ApiKey.DescribeConfigs, version, {
      ...defaultDescribeConfigsRequest(),
      includeSynonyms: version >= 1,
      resources: resources.map((r) => ({ ...defaultDescribeConfigsResource(), resourceType: r.type, resourceName: r.name, configurationKeys: r.keys ?? null })),
    });
  const incremental = (resources: { type: number; name: string; configs: Record<string, string> }[]) =>
    c.request<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, {
      ...defaultIncrementalAlterConfigsRequest(),
      resources: resources.map((r) => ({ ...defaultAlterConfigsResource(), resourceType: r.type, resourceName: r.name, configs: Object.entries(r.configs).map(([name, value]) => ({ ...defaultAlterableConfig(), name, value, configOperation: 0 })) })),
    });
  const alter = (resources: { type: number; name: string; configs: Record<string, string> }[]) =>
    c.request<legacy.AlterConfigsRequest, AlterConfigsResponse>(ApiKey.AlterConfigs, 2, {
      ...legacy.defaultAlterConfigsRequest(),
      resources: resources.map((r) => ({ ...legacy.defaultAlterConfigsResource(), resourceType: r.type, resourceName: r.name, configs: Object.entries(r.configs).map(([name, value]) => ({ ...legacy.defaultAlterableConfig(), name, value })) })),
    });

  it('BROKER_LOGGER: lists root and the components, and IncrementalAlterConfigs changes a level at runtime', async () => {
    const BROKER_LOGGER = 8;
    const id = String(broker.services.brokerId);
    const before = await describe([{ type: BROKER_LOGGER, name: id }]);
    const names = before.results[0]!.configs.map((x) => x.name);
    expect(names[0]).toBe('root');
    expect(names).toEqual(expect.arrayContaining(['replica-manager', 'log-manager', 'connection']));
    const set = await c.request<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, {
      ...defaultIncrementalAlterConfigsRequest(),
      resources: [{ ...defaultAlterConfigsResource(), resourceType: BROKER_LOGGER, resourceName: id, configs: [{ ...defaultAlterableConfig(), name: 'replica-manager', value: 'TRACE', configOperation: 0 }] }],
    });
    expect(set.responses.map((x) => [x.errorCode, x.errorMessage])).toEqual([[ErrorCode.NONE, null]]);
    const after = await describe([{ type: BROKER_LOGGER, name: id, keys: ['replica-manager'] }]);
    expect(after.results[0]!.configs.map((x) => [x.name, x.value])).toEqual([['replica-manager', 'TRACE']]);
    const unknown = await c.request<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, {
      ...defaultIncrementalAlterConfigsRequest(),
      resources: [{ ...defaultAlterConfigsResource(), resourceType: BROKER_LOGGER, resourceName: id, configs: [{ ...defaultAlterableConfig(), name: 'no.such.logger', value: 'DEBUG', configOperation: 0 }] }],
    });
    expect(unknown.responses.map((x) => [x.errorCode, x.errorMessage])).toEqual([[ErrorCode.INVALID_CONFIG, 'Logger no.such.logger does not exist!']]);
  });

  it('DescribeConfigs: topic synonyms, illegal and unknown topics, unsupported resource types, v0 isDefault', async () => {
    expect((await create('cc1', {})).topics[0]!.errorCode).toBe(0);
    const r = await describe([{ type: TOPIC, name: 'cc1', keys: ['retention.ms', 'segment.bytes'] }, { type: TOPIC, name: 'bad/name' }, { type: TOPIC, name: 'no-such' }]);
    const configs = new Map(r.results[0]!.configs.map((x) => [x.name, x]));
    expect(configs.get('retention.ms')).toMatchObject({ value: '604800000', configSource: 5, synonyms: [] });
    expect(configs.get('segment.bytes')!.synonyms).toEqual([{ name: 'log.segment.bytes', value: '1073741824', source: 5 }]);
    expect(r.results[1]).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, configs: [] });
    expect(r.results[2]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null });

    const mixed = await describe([{ type: TOPIC, name: 'cc1' }, { type: 3, name: 'g' }]);
    expect(mixed.results.map((x) => [x.errorCode, x.errorMessage])).toEqual([
      [ErrorCode.INVALID_REQUEST, 'Unexpected resource type UNKNOWN for resource g'],
      [ErrorCode.INVALID_REQUEST, 'Unexpected resource type UNKNOWN for resource g'],
    ]);
    const v0 = await describe([{ type: TOPIC, name: 'cc1', keys: ['retention.ms'] }], 0);
    expect(v0.results[0]!.configs[0]).toMatchObject({ name: 'retention.ms', isDefault: false });
  });

  it('lists only the dynamic cluster-wide defaults for the broker resource ""', async () => {
    expect((await incremental([{ type: BROKER, name: '', configs: { 'log.cleaner.backoff.ms': '1000' } }])).responses[0]!.errorCode).toBe(0);
    const r = await describe([{ type: BROKER, name: '' }]);
    expect(r.results[0]!.configs.map((x) => [x.name, x.value, x.configSource, x.readOnly])).toEqual([['log.cleaner.backoff.ms', '1000', 3, false]]);
    expect((await alter([{ type: BROKER, name: '', configs: {} }])).responses[0]!.errorCode).toBe(0);
  });

  it('answers INVALID_REQUEST for each listing of a resource named twice, in both alter APIs', async () => {
    await create('cc2', {});
    const twice = [
      { type: TOPIC, name: 'cc2', configs: { 'retention.ms': '1000' } },
      { type: TOPIC, name: 'cc1', configs: { 'retention.ms': '2000' } },
      { type: TOPIC, name: 'cc2', configs: { 'retention.ms': '3000' } },
    ];
    for (const responses of [(await incremental(twice)).responses, (await alter(twice)).responses]) {
      expect(responses.map((x) => [x.resourceName, x.errorCode, x.errorMessage])).toEqual([
        ['cc2', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
        ['cc1', 0, null],
        ['cc2', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      ]);
    }
    expect(broker.services.metadata.topic('cc2')!.configs).toEqual({});
    expect(broker.services.metadata.topic('cc1')!.configs).toEqual({ 'retention.ms': '2000' });
  });

  it('stores a broker key Kafka does not know (a custom config) and refuses a known static one', async () => {
    const id = String(broker.brokerId);
    expect((await alter([{ type: BROKER, name: id, configs: { 'custom.plugin.setting': 'x' } }])).responses[0]).toMatchObject({ errorCode: 0 });
    const d = await describe([{ type: BROKER, name: id, keys: ['custom.plugin.setting'] }]);
    expect(d.results[0]!.configs).toEqual([expect.objectContaining({ name: 'custom.plugin.setting', value: null, isSensitive: true, configType: 0, configSource: 2 })]);
    expect((await alter([{ type: BROKER, name: id, configs: { 'num.partitions': '3' } }])).responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect((await alter([{ type: BROKER, name: id, configs: {} }])).responses[0]).toMatchObject({ errorCode: 0 });
  });

  it('validates topic configs combined with the broker defaults on CreateTopics and on alter', async () => {
    expect((await create('cc3', { 'min.compaction.lag.ms': '100', 'max.compaction.lag.ms': '50' })).topics[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await create('cc3', { 'remote.storage.enable': 'true' })).topics[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await incremental([{ type: BROKER, name: '', configs: { 'log.cleaner.max.compaction.lag.ms': '50' } }])).responses[0]!.errorCode).toBe(0);
    try {
      expect((await create('cc3', { 'min.compaction.lag.ms': '100' })).topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: expect.stringContaining('(100) > max.compaction.lag.ms (50)') });
      expect((await incremental([{ type: TOPIC, name: 'cc1', configs: { 'min.compaction.lag.ms': '100' } }])).responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
      expect((await create('cc3', { 'min.compaction.lag.ms': '40' })).topics[0]!.errorCode).toBe(0);
    } finally {
      await alter([{ type: BROKER, name: '', configs: {} }]);
    }
  });
});
