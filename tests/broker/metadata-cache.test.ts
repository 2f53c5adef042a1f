// The metadata cache is fed only by UpdateMetadata and refuses an older controller.
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { defaultUpdateMetadataRequest, type UpdateMetadataRequest } from '../../protocol/generated/update-metadata-request';
import { MetadataCache } from '../../broker/metadata/metadata-cache';
import { MemoryMetadataStore } from '../../coordinator/memory-metadata-store';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

function update(over: Partial<UpdateMetadataRequest> & { leader?: number; isr?: number[]; brokers?: number[] } = {}): UpdateMetadataRequest {
  const { leader = 1, isr = [1, 2], brokers = [1, 2], ...rest } = over;
  return {
    ...defaultUpdateMetadataRequest(),
    controllerId: 1,
    controllerEpoch: 3,
    liveBrokers: brokers.map((id) => ({ id, v0Host: '', v0Port: 0, rack: null, endpoints: [{ port: 9000 + id, host: '127.0.0.1', listener: 'PLAINTEXT', securityProtocol: 0 }] })),
    topicStates: [
      {
        topicName: 't',
        topicId: TOPIC_ID,
        partitionStates: [{ topicName: 't', partitionIndex: 0, controllerEpoch: 3, leader, leaderEpoch: 7, isr, zkVersion: 2, replicas: [1, 2], offlineReplicas: [] }],
      },
    ],
    ...rest,
  };
}

describe('Broker > MetadataCache', () => {
  it('answers brokers, topics and leaders from UpdateMetadata only', () => {
    const cache = new MetadataCache(new MemoryMetadataStore(), 1);
    expect(cache.topic('t')).toBeUndefined();
    expect(cache.controllerId).toBe(-1);
    cache.update(update());
    expect(cache.controllerId).toBe(1);
    expect(cache.brokers('PLAINTEXT').map((b) => [b.nodeId, b.port])).toEqual([[1, 9001], [2, 9002]]);
    expect(cache.brokers('OTHER')).toEqual([]);
    expect(cache.topic('t')?.topicId).toBe(TOPIC_ID);
    expect(cache.topicById(TOPIC_ID)?.name).toBe('t');
    expect(cache.partitionInfo('t', 0)).toMatchObject({ leader: 1, leaderEpoch: 7, isr: [1, 2], replicas: [1, 2] });
    expect(cache.hasLeaders('t', [0])).toBe(true);
    expect(cache.hasLeaders('t', [0, 1])).toBe(false);
  });

  it('reports no leader when the leader is not among the live brokers', () => {
    const cache = new MetadataCache(new MemoryMetadataStore(), 1);
    cache.update(update({ leader: 2, brokers: [1] }));
    expect(cache.partitionInfo('t', 0)?.leader).toBe(-1);
    expect(cache.hasLeaders('t', [0])).toBe(false);
  });

  it('refuses an UpdateMetadata from an older controller epoch and keeps what it had', () => {
    const cache = new MetadataCache(new MemoryMetadataStore(), 1);
    cache.update(update());
    let code: ErrorCode | undefined;
    try {
      cache.update(update({ controllerEpoch: 2, leader: 2 }));
    } catch (e) {
      code = (e as KafkaError).code;
    }
    expect(code).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(cache.partitionInfo('t', 0)?.leader).toBe(1);
  });

  it('drops partitions the controller marks as being deleted (leader -2), and the topic with the last one', () => {
    const cache = new MetadataCache(new MemoryMetadataStore(), 1);
    let updates = 0;
    cache.onUpdate(() => updates++);
    cache.update(update());
    cache.update(update({ leader: -2 }));
    expect(cache.topic('t')).toBeUndefined();
    expect(cache.topicById(TOPIC_ID)).toBeUndefined();
    expect(updates).toBe(2);
  });

  it('a topic re-created under the same name replaces the old one', () => {
    const cache = new MetadataCache(new MemoryMetadataStore(), 1);
    cache.update(update());
    const next = update();
    next.topicStates[0]!.topicId = 'AAAAAAAAAAAAAAAAAAAAAg';
    cache.update(next);
    expect(cache.topic('t')?.topicId).toBe('AAAAAAAAAAAAAAAAAAAAAg');
    expect(cache.topicById(TOPIC_ID)).toBeUndefined();
  });
});
