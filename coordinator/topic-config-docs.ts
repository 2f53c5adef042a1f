/**
 * Documentation strings for the topic configs (DescribeConfigs v3+ with includeDocumentation).
 *
 * One entry per key of TOPIC_CONFIG_DEFS, written for Gregor: it describes what the key means
 * under Kafka 3.9 semantics. The text is phrased for a single partition's log so that the broker
 * table (broker/config/config-docs.ts) can reuse it for the server-wide defaults of these keys.
 */

export const TOPIC_CONFIG_DOCS: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy':
    'How old log segments are disposed of: "delete" removes segments once they exceed the retention time or size, ' +
    '"compact" keeps only the latest record for each key, and "compact,delete" applies both.',
  'compression.type':
    'The codec record batches are stored with: one of uncompressed, gzip, snappy, lz4 or zstd. ' +
    'The value "producer" stores each batch with whatever codec the producer used, without recompressing it.',
  'compression.gzip.level':
    'The gzip level (1 to 9, or -1 for zlib\'s default) used when the broker compresses batches with gzip because compression.type is gzip.',
  'compression.lz4.level':
    'The lz4 level (1 to 17) used when the broker compresses batches with lz4 because compression.type is lz4.',
  'compression.zstd.level':
    'The zstd level (-131072 to 22) used when the broker compresses batches with zstd because compression.type is zstd.',
  'delete.retention.ms':
    'For compacted logs, the time in milliseconds a tombstone (a record with a null value) stays readable after compaction reaches it; ' +
    'transaction markers are removed after the same delay. ' +
    'A consumer reading from the start must get through the log within this time to be sure it sees every deletion.',
  'file.delete.delay.ms':
    'Milliseconds between a segment being marked for deletion (by retention or compaction) and its files being removed from disk.',
  'flush.messages':
    'The number of records appended to a partition after which its log is forced to disk with fsync. ' +
    'The default (Long.MAX_VALUE) never forces a flush by count and leaves durability to replication and the operating system.',
  'flush.ms':
    'The longest time in milliseconds a record may sit in a partition log before the log is forced to disk with fsync. ' +
    'The default (Long.MAX_VALUE) never forces a flush by time and leaves durability to replication and the operating system.',
  'follower.replication.throttled.replicas':
    'In Kafka, the replicas whose follower-side fetching is limited by the broker replication throttle, as partition:brokerId pairs or "*" for all. ' +
    'Gregor accepts this key for compatibility but it has no effect.',
  'index.interval.bytes':
    'How many bytes of records are appended between two entries of the offset index. ' +
    'Smaller values make the index denser, so offset lookups scan less data but the index grows faster.',
  'leader.replication.throttled.replicas':
    'In Kafka, the replicas whose leader-side serving of follower fetches is limited by the broker replication throttle, as partition:brokerId pairs or "*" for all. ' +
    'Gregor accepts this key for compatibility but it has no effect.',
  'local.retention.bytes':
    'With tiered storage, the largest size in bytes the local segments of a partition may reach before the oldest are removed locally; -2 means retention.bytes. ' +
    'Without tiered storage, Gregor accepts this key for compatibility but it has no effect.',
  'local.retention.ms':
    'With tiered storage, how long in milliseconds a segment is kept on local disk before it is removed locally; -2 means retention.ms. ' +
    'Without tiered storage, Gregor accepts this key for compatibility but it has no effect.',
  'max.compaction.lag.ms':
    'For compacted logs, the longest time in milliseconds a record may stay uncompacted: a segment holding older records becomes eligible for compaction regardless of the dirty ratio. ' +
    'The default (Long.MAX_VALUE) puts no bound on it.',
  'max.message.bytes':
    'The largest record batch, in bytes after compression, that a produce request may append to the partition; larger batches are rejected with RECORD_TOO_LARGE. ' +
    'Consumers on old clients must use a fetch size at least this large.',
  'message.downconversion.enable':
    'Whether the broker converts stored batches to an older record format for fetch requests from consumers that cannot read the current one. ' +
    'When false such fetches fail with UNSUPPORTED_VERSION; replication between brokers is not affected.',
  'message.format.version':
    'Deprecated: the record format version used to write to the log; since inter.broker.protocol.version 3.0 Kafka ignores it and always writes record format v2. ' +
    'Gregor accepts this key for compatibility but it has no effect.',
  'message.timestamp.after.max.ms':
    'With message.timestamp.type=CreateTime, how far in milliseconds a record timestamp may lie ahead of the broker clock; batches beyond it are rejected. ' +
    'Not used with LogAppendTime. The default (Long.MAX_VALUE) accepts any future timestamp.',
  'message.timestamp.before.max.ms':
    'With message.timestamp.type=CreateTime, how far in milliseconds a record timestamp may lie behind the broker clock; batches beyond it are rejected. ' +
    'Not used with LogAppendTime. The default (Long.MAX_VALUE) accepts any past timestamp.',
  'message.timestamp.difference.max.ms':
    'Deprecated in favour of message.timestamp.before.max.ms and message.timestamp.after.max.ms: with CreateTime, the largest allowed gap in milliseconds, ' +
    'in either direction, between a record timestamp and the broker clock. Not used with LogAppendTime; the default (Long.MAX_VALUE) accepts any timestamp.',
  'message.timestamp.type':
    'Which timestamp records carry in the log: "CreateTime" keeps the timestamp set by the producer, ' +
    '"LogAppendTime" replaces it with the broker time at which the batch was appended.',
  'min.cleanable.dirty.ratio':
    'For compacted logs, the share of the log (between 0 and 1) that must consist of not-yet-compacted records before the cleaner compacts it. ' +
    'Lower values compact more often and keep fewer duplicates; min.compaction.lag.ms and max.compaction.lag.ms also affect when compaction runs.',
  'min.compaction.lag.ms':
    'For compacted logs, the least time in milliseconds a record stays in the log before it may be removed by compaction. ' +
    '0 lets any record be compacted as soon as its segment is no longer the active one.',
  'min.insync.replicas':
    'The least number of in-sync replicas (leader included) that must have a record before a produce request with acks=all (-1) succeeds. ' +
    'If fewer replicas are in sync, such requests fail with NOT_ENOUGH_REPLICAS or NOT_ENOUGH_REPLICAS_AFTER_APPEND; acks=0 and acks=1 are not affected.',
  preallocate:
    'Whether the file of a new log segment is allocated on disk at its full size when the segment is created. ' +
    'Gregor accepts this key for compatibility but it has no effect.',
  'remote.log.copy.disable':
    'With tiered storage, whether copying segments to remote storage stops while the remote data stays readable. ' +
    'ZooKeeper-mode Kafka refuses true, and so does Gregor; it accepts false for compatibility but it has no effect.',
  'remote.log.delete.on.disable':
    'With tiered storage, whether turning remote.storage.enable off deletes the remote data. ' +
    'ZooKeeper-mode Kafka refuses true, and so does Gregor; it accepts false for compatibility but it has no effect.',
  'remote.storage.enable':
    'Whether tiered storage is used for the topic, copying closed segments to remote storage. ' +
    'Gregor has no tiered storage and refuses true, as Kafka does with remote.log.storage.system.enable=false; it accepts false for compatibility but it has no effect.',
  'retention.bytes':
    'Under the "delete" cleanup policy, the size in bytes a partition may reach before its oldest segments are deleted. ' +
    'The limit is per partition, not per topic; -1 means no size limit.',
  'retention.ms':
    'Under the "delete" cleanup policy, how long in milliseconds records are kept: a segment is deleted once its newest record timestamp is older than this. ' +
    '-1 means no time limit.',
  'segment.bytes':
    'The size in bytes at which the active segment of a partition log is closed and a new one started. ' +
    'Retention and compaction act on whole closed segments, so this also sets their granularity.',
  'segment.index.bytes':
    'The size in bytes to which the offset index and time index files of each new segment are preallocated. ' +
    'A full index also closes the segment, so this rarely needs changing.',
  'segment.jitter.ms':
    'The most, in milliseconds, subtracted at random from segment.ms for each segment, so that many partitions do not roll their segments at the same moment. ' +
    'Each segment draws its own value below min(segment.jitter.ms, segment.ms) when it becomes the active one.',
  'segment.ms':
    'The age in milliseconds after which the active segment is closed and a new one started even if it has not reached segment.bytes, ' +
    'so that time-based retention and compaction can act on recent data.',
  'unclean.leader.election.enable':
    'Whether a replica that is not in the in-sync set may be elected leader when no in-sync replica is available. ' +
    'Enabling it favours availability over durability: records the new leader never received are lost.',
});
