/**
 * Test helper for the kafkajs differential tests: for each API kafkajs 2.2.4 implements, the
 * arguments its request encoders take (a superset over versions) and checks of the fields we
 * decode from those bytes.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface KafkajsCase {
  /** Folder under kafkajs/src/protocol/requests. */
  dir: string;
  /** Our ApiKey enum name. */
  api: string;
  args: any;
  check: (req: any, version: number) => void;
  /** Response fields kafkajs reads but drops (excluded from the value comparison). */
  responseFieldsDropped?: string[];
  /** kafkajs exports a response factory taking the request args instead of { decode }. */
  responseFactory?: boolean;
}

const acl = { resourceType: 2, resourceName: 'orders', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 };

export const KAFKAJS_CASES: KafkajsCase[] = [
  {
    dir: 'produce',
    api: 'Produce',
    args: {
      acks: -1,
      timeout: 30000,
      transactionalId: null,
      compression: 0,
      topicData: [{ topic: 'orders', partitions: [{ partition: 2, messages: [{ key: 'k1', value: 'v1', timestamp: 1700000000000 }] }] }],
    },
    check: (r, v) => {
      expect(r.acks).toBe(-1);
      expect(r.timeoutMs).toBe(30000);
      expect(r.topicData[0].name).toBe('orders');
      expect(r.topicData[0].partitionData[0].index).toBe(2);
      const records: Buffer = r.topicData[0].partitionData[0].records;
      expect(records.readInt8(16)).toBe(v >= 3 ? 2 : v === 2 ? 1 : 0); // magic byte
    },
  },
  {
    dir: 'fetch',
    api: 'Fetch',
    args: {
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      rackId: 'rack-a',
      topics: [{ topic: 'orders', partitions: [{ partition: 3, fetchOffset: '42', maxBytes: 1024, currentLeaderEpoch: 7, logStartOffset: '0' }] }],
      forgottenTopics: [],
    },
    check: (r, v) => {
      expect(r.replicaId).toBe(-1);
      expect(r.maxWaitMs).toBe(500);
      expect(r.minBytes).toBe(1);
      if (v >= 3) expect(r.maxBytes).toBe(1048576);
      if (v >= 4) expect(r.isolationLevel).toBe(1);
      if (v >= 7) expect([r.sessionId, r.sessionEpoch]).toEqual([0, -1]);
      if (v >= 11) expect(r.rackId).toBe('rack-a');
      const p = r.topics[0].partitions[0];
      expect(r.topics[0].topic).toBe('orders');
      expect([p.partition, p.fetchOffset, p.partitionMaxBytes]).toEqual([3, 42n, 1024]);
      if (v >= 9) expect(p.currentLeaderEpoch).toBe(7);
    },
  },
  {
    dir: 'listOffsets',
    api: 'ListOffsets',
    args: { replicaId: -1, isolationLevel: 1, topics: [{ topic: 'orders', partitions: [{ partition: 1, timestamp: -2 }] }] },
    check: (r, v) => {
      expect(r.replicaId).toBe(-1);
      if (v >= 2) expect(r.isolationLevel).toBe(1);
      const p = r.topics[0].partitions[0];
      expect(r.topics[0].name).toBe('orders');
      expect([p.partitionIndex, p.timestamp]).toEqual([1, -2n]);
      if (v === 0) expect(p.maxNumOffsets).toBe(1);
    },
  },
  {
    dir: 'metadata',
    api: 'Metadata',
    args: { topics: ['orders', 'payments'], allowAutoTopicCreation: false },
    check: (r, v) => {
      expect(r.topics.map((t: any) => t.name)).toEqual(['orders', 'payments']);
      if (v >= 4) expect(r.allowAutoTopicCreation).toBe(false);
    },
  },
  {
    dir: 'offsetCommit',
    api: 'OffsetCommit',
    args: {
      groupId: 'group-1',
      groupGenerationId: 3,
      memberId: 'member-1',
      retentionTime: 86400000,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '10', metadata: 'md', timestamp: 1700000000000 }] }],
    },
    check: (r, v) => {
      expect(r.groupId).toBe('group-1');
      if (v >= 1) expect([r.generationIdOrMemberEpoch, r.memberId]).toEqual([3, 'member-1']);
      if (v >= 2 && v <= 4) expect(r.retentionTimeMs).toBe(86400000n);
      const p = r.topics[0].partitions[0];
      expect([r.topics[0].name, p.partitionIndex, p.committedOffset, p.committedMetadata]).toEqual(['orders', 0, 10n, 'md']);
    },
  },
  {
    dir: 'offsetFetch',
    api: 'OffsetFetch',
    args: { groupId: 'group-1', topics: [{ topic: 'orders', partitions: [{ partition: 0 }, { partition: 5 }] }] },
    check: (r) => {
      expect(r.groupId).toBe('group-1');
      expect(r.topics[0]).toMatchObject({ name: 'orders', partitionIndexes: [0, 5] });
    },
  },
  {
    dir: 'findCoordinator',
    api: 'FindCoordinator',
    args: { groupId: 'group-1', coordinatorKey: 'group-1', coordinatorType: 1 },
    check: (r, v) => {
      expect(r.key).toBe('group-1');
      if (v >= 1) expect(r.keyType).toBe(1);
    },
  },
  {
    dir: 'joinGroup',
    api: 'JoinGroup',
    args: {
      groupId: 'group-1',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 2, 3]) }],
    },
    check: (r, v) => {
      expect([r.groupId, r.sessionTimeoutMs, r.memberId, r.protocolType]).toEqual(['group-1', 30000, '', 'consumer']);
      if (v >= 1) expect(r.rebalanceTimeoutMs).toBe(60000);
      expect(r.protocols[0].name).toBe('RoundRobinAssigner');
      expect(r.protocols[0].metadata).toEqual(Buffer.from([0, 1, 2, 3]));
    },
  },
  {
    dir: 'heartbeat',
    api: 'Heartbeat',
    args: { groupId: 'group-1', groupGenerationId: 4, memberId: 'member-1', groupInstanceId: null },
    check: (r) => expect([r.groupId, r.generationId, r.memberId]).toEqual(['group-1', 4, 'member-1']),
  },
  {
    dir: 'leaveGroup',
    api: 'LeaveGroup',
    args: { groupId: 'group-1', memberId: 'member-1', members: [{ memberId: 'member-1', groupInstanceId: null }] },
    check: (r, v) => {
      expect(r.groupId).toBe('group-1');
      if (v <= 2) expect(r.memberId).toBe('member-1');
      else expect(r.members[0]).toMatchObject({ memberId: 'member-1', groupInstanceId: null });
    },
  },
  {
    dir: 'syncGroup',
    api: 'SyncGroup',
    args: {
      groupId: 'group-1',
      generationId: 4,
      memberId: 'member-1',
      groupInstanceId: null,
      groupAssignment: [{ memberId: 'member-1', memberAssignment: Buffer.from([9, 8, 7]) }],
    },
    check: (r) => {
      expect([r.groupId, r.generationId, r.memberId]).toEqual(['group-1', 4, 'member-1']);
      expect(r.assignments[0].memberId).toBe('member-1');
      expect(r.assignments[0].assignment).toEqual(Buffer.from([9, 8, 7]));
    },
  },
  {
    dir: 'describeGroups',
    api: 'DescribeGroups',
    args: { groupIds: ['g1', 'g2'] },
    check: (r) => expect(r.groups).toEqual(['g1', 'g2']),
  },
  { dir: 'listGroups', api: 'ListGroups', args: {}, check: (r) => expect(r).toBeDefined() },
  { dir: 'saslHandshake', api: 'SaslHandshake', args: { mechanism: 'PLAIN' }, check: (r) => expect(r.mechanism).toBe('PLAIN') },
  { dir: 'apiVersions', api: 'ApiVersions', args: {}, check: (r) => expect(r).toBeDefined() },
  {
    dir: 'createTopics',
    api: 'CreateTopics',
    args: {
      topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      timeout: 5000,
      validateOnly: true,
    },
    check: (r, v) => {
      expect(r.topics[0]).toMatchObject({ name: 'orders', numPartitions: 3, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] });
      expect(r.timeoutMs).toBe(5000);
      if (v >= 1) expect(r.validateOnly).toBe(true);
    },
  },
  {
    dir: 'deleteTopics',
    api: 'DeleteTopics',
    args: { topics: ['orders', 'payments'], timeout: 5000 },
    check: (r) => expect([r.topicNames, r.timeoutMs]).toEqual([['orders', 'payments'], 5000]),
  },
  {
    dir: 'deleteRecords',
    api: 'DeleteRecords',
    responseFactory: true,
    args: { topics: [{ topic: 'orders', partitions: [{ partition: 1, offset: '5' }] }], timeout: 5000 },
    check: (r) => {
      expect(r.topics[0].name).toBe('orders');
      expect(r.topics[0].partitions[0]).toMatchObject({ partitionIndex: 1, offset: 5n });
    },
  },
  {
    dir: 'initProducerId',
    api: 'InitProducerId',
    args: { transactionalId: 'tx-1', transactionTimeout: 5000 },
    check: (r) => expect([r.transactionalId, r.transactionTimeoutMs]).toEqual(['tx-1', 5000]),
  },
  {
    dir: 'addPartitionsToTxn',
    api: 'AddPartitionsToTxn',
    args: { transactionalId: 'tx-1', producerId: '1000', producerEpoch: 2, topics: [{ topic: 'orders', partitions: [0, 1] }] },
    check: (r) => {
      expect([r.v3AndBelowTransactionalId, r.v3AndBelowProducerId, r.v3AndBelowProducerEpoch]).toEqual(['tx-1', 1000n, 2]);
      expect(r.v3AndBelowTopics[0]).toMatchObject({ name: 'orders', partitions: [0, 1] });
    },
  },
  {
    dir: 'addOffsetsToTxn',
    api: 'AddOffsetsToTxn',
    args: { transactionalId: 'tx-1', producerId: '1000', producerEpoch: 2, groupId: 'group-1' },
    check: (r) => expect([r.transactionalId, r.producerId, r.producerEpoch, r.groupId]).toEqual(['tx-1', 1000n, 2, 'group-1']),
  },
  {
    dir: 'endTxn',
    api: 'EndTxn',
    args: { transactionalId: 'tx-1', producerId: '1000', producerEpoch: 2, transactionResult: true },
    check: (r) => expect([r.transactionalId, r.producerId, r.producerEpoch, r.committed]).toEqual(['tx-1', 1000n, 2, true]),
  },
  {
    dir: 'txnOffsetCommit',
    api: 'TxnOffsetCommit',
    args: {
      transactionalId: 'tx-1',
      groupId: 'group-1',
      producerId: '1000',
      producerEpoch: 2,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '7', metadata: null }] }],
    },
    check: (r) => {
      expect([r.transactionalId, r.groupId, r.producerId, r.producerEpoch]).toEqual(['tx-1', 'group-1', 1000n, 2]);
      expect(r.topics[0].partitions[0]).toMatchObject({ partitionIndex: 0, committedOffset: 7n, committedMetadata: null });
    },
  },
  {
    dir: 'describeAcls',
    api: 'DescribeAcls',
    args: acl,
    check: (r, v) => {
      expect(r).toMatchObject({ resourceTypeFilter: 2, resourceNameFilter: 'orders', principalFilter: 'User:alice', hostFilter: '*', operation: 3, permissionType: 3 });
      if (v >= 1) expect(r.patternTypeFilter).toBe(3);
    },
  },
  {
    dir: 'createAcls',
    api: 'CreateAcls',
    args: { creations: [acl] },
    check: (r) => expect(r.creations[0]).toMatchObject({ resourceType: 2, resourceName: 'orders', principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }),
  },
  {
    dir: 'deleteAcls',
    api: 'DeleteAcls',
    args: { filters: [acl] },
    check: (r) => expect(r.filters[0]).toMatchObject({ resourceTypeFilter: 2, resourceNameFilter: 'orders', principalFilter: 'User:alice', hostFilter: '*', operation: 3, permissionType: 3 }),
  },
  {
    dir: 'describeConfigs',
    api: 'DescribeConfigs',
    args: { resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }], includeSynonyms: true },
    check: (r, v) => {
      expect(r.resources[0]).toMatchObject({ resourceType: 2, resourceName: 'orders', configurationKeys: ['retention.ms'] });
      if (v >= 1) expect(r.includeSynonyms).toBe(true);
    },
  },
  {
    dir: 'alterConfigs',
    api: 'AlterConfigs',
    args: { resources: [{ type: 2, name: 'orders', configEntries: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: true },
    check: (r) => {
      expect(r.resources[0]).toMatchObject({ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '1000' }] });
      expect(r.validateOnly).toBe(true);
    },
  },
  {
    dir: 'saslAuthenticate',
    api: 'SaslAuthenticate',
    // kafkajs writes authBytes verbatim: they already carry the int32 length
    args: { authBytes: Buffer.from('00000003616263', 'hex') },
    check: (r) => expect(r.authBytes).toEqual(Buffer.from('abc')),
  },
  {
    dir: 'createPartitions',
    api: 'CreatePartitions',
    args: { topicPartitions: [{ topic: 'orders', count: 4, assignments: [[1, 2]] }], validateOnly: false, timeout: 5000 },
    check: (r) => {
      expect(r.topics[0]).toMatchObject({ name: 'orders', count: 4, assignments: [{ brokerIds: [1, 2] }] });
      expect([r.timeoutMs, r.validateOnly]).toEqual([5000, false]);
    },
  },
  {
    dir: 'deleteGroups',
    api: 'DeleteGroups',
    args: ['g1', 'g2'],
    check: (r) => expect(r.groupsNames).toEqual(['g1', 'g2']),
  },
  {
    dir: 'alterPartitionReassignments',
    api: 'AlterPartitionReassignments',
    responseFieldsDropped: ['errorMessage'],
    args: { topics: [{ topic: 'orders', partitionAssignment: [{ partition: 0, replicas: [1, 2] }] }], timeout: 5000 },
    check: (r) => {
      expect(r.timeoutMs).toBe(5000);
      expect(r.topics[0]).toMatchObject({ name: 'orders', partitions: [{ partitionIndex: 0, replicas: [1, 2] }] });
    },
  },
  {
    dir: 'listPartitionReassignments',
    api: 'ListPartitionReassignments',
    responseFieldsDropped: ['errorMessage'],
    args: { topics: [{ topic: 'orders', partitions: [0, 3] }], timeout: 5000 },
    check: (r) => {
      expect(r.timeoutMs).toBe(5000);
      expect(r.topics[0]).toMatchObject({ name: 'orders', partitionIndexes: [0, 3] });
    },
  },
];
