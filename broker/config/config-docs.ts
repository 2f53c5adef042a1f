/**
 * Documentation strings for the broker configs, and the DescribeConfigs lookup for both tables
 * (returned when a v3+ request sets includeDocumentation).
 *
 * Broker keys that are the server-wide default of a topic config (TOPIC_SYNONYMS, without a unit
 * scale) reuse the topic text after a sentence saying so; every other key of BROKER_CONFIG_DEFS
 * has its own entry below. Keys the table marks `ignored` say that Gregor accepts them without effect.
 */
import { TOPIC_SYNONYMS } from '../../coordinator/topic-config';
import { TOPIC_CONFIG_DOCS } from '../../coordinator/topic-config-docs';
import { BROKER_CONFIG_BY_KEY } from './config-defs';

const NO_EFFECT = 'Gregor accepts this key for compatibility but it has no effect.';
/** Keys of features still to come (transactions, quotas, TLS and SASL). */
const NO_EFFECT_YET = 'Gregor accepts this key for compatibility but it has no effect yet.';

/** Broker keys with text of their own (not a plain server-wide default of a topic config). */
const OWN_DOCS: Readonly<Record<string, string>> = {
  // Identity and networking.
  'broker.id':
    'The id of this broker, unique in the cluster. ' +
    'With the default -1 an id is generated when broker.id.generation.enable is true, above reserved.broker.max.id.',
  'broker.id.generation.enable':
    'Whether a broker that leaves broker.id at -1 gets an automatically generated id. ' +
    'Generated ids start above reserved.broker.max.id so that they do not collide with configured ones.',
  'reserved.broker.max.id':
    'The highest broker id that may be configured by hand; automatically generated ids are greater than this.',
  'broker.rack':
    'The rack (or availability zone) this broker runs in. ' +
    'It is used to spread the replicas of a partition over racks and lets consumers that set client.rack fetch from a nearby replica.',
  listeners:
    'The addresses the broker listens on, as a comma-separated list of LISTENER_NAME://host:port. ' +
    'An empty host binds the default interface and 0.0.0.0 binds all of them; each listener name needs a security protocol in listener.security.protocol.map.',
  'advertised.listeners':
    'The addresses, in the same LISTENER_NAME://host:port form, that the broker publishes in metadata for clients and other brokers to connect to. ' +
    'When unset the values of listeners are published; 0.0.0.0 is not a valid advertised host.',
  'listener.security.protocol.map':
    'Which security protocol each listener name uses, as comma-separated NAME:PROTOCOL pairs (for example INTERNAL:SSL,EXTERNAL:SASL_SSL). ' +
    'The default maps each of PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL to the protocol of the same name.',
  'inter.broker.listener.name':
    'The name of the listener brokers use to talk to each other. ' +
    'When unset, the listener chosen by security.inter.broker.protocol (PLAINTEXT by default) is used.',
  'socket.request.max.bytes':
    'The largest request, in bytes, the broker reads from a connection; a request announcing a larger size makes the broker close the connection.',
  'socket.send.buffer.bytes':
    'In Kafka, the size in bytes of the send buffer (SO_SNDBUF) of the broker sockets; -1 keeps the operating system default. ' + NO_EFFECT,
  'socket.receive.buffer.bytes':
    'In Kafka, the size in bytes of the receive buffer (SO_RCVBUF) of the broker sockets; -1 keeps the operating system default. ' + NO_EFFECT,
  'socket.listen.backlog.size':
    'How many connections may wait in the listen queue of each listener socket before being accepted (the listen(2) backlog; the kernel may cap it).',
  'num.network.threads':
    'In Kafka, the number of threads that read requests from the network and write responses. ' + NO_EFFECT,
  'num.io.threads':
    'In Kafka, the number of threads that process requests, including their disk I/O. ' + NO_EFFECT,
  'background.threads':
    'In Kafka, the number of threads used for background work such as deleting old log segments. ' + NO_EFFECT,
  'queued.max.requests':
    'How many received requests may wait to be processed before the broker stops reading further requests from the network.',
  'queued.max.request.bytes':
    'The total size in bytes of the waiting requests above which the broker stops reading further requests from the network. -1 means no limit.',
  'connections.max.idle.ms':
    'Milliseconds after which the broker closes a connection on which nothing has been sent or received.',
  'max.connections':
    'The largest number of client connections the broker keeps open at once, over all listeners. ' +
    'While the limit is reached, new connections are not accepted.',
  'max.connections.per.ip':
    'The largest number of connections the broker accepts from a single IP address; further ones are closed at once. ' +
    'Hosts listed in max.connections.per.ip.overrides get their own limit, and 0 is only valid together with such overrides.',
  'max.connections.per.ip.overrides':
    'Per-host exceptions to max.connections.per.ip, as comma-separated host-or-IP:limit pairs (for example "127.0.0.1:200,host1:50"). Empty means none.',
  'request.timeout.ms':
    'In Kafka, how long in milliseconds the broker\'s own outgoing requests (for example to the controller) wait for a response before they are failed or retried. ' +
    NO_EFFECT,

  // Storage.
  'log.dirs':
    'The directories that hold partition data, as a comma-separated list; the partitions are spread over them. When unset, log.dir is used.',
  'log.dir':
    'The single directory that holds partition data, used only when log.dirs is not set.',
  'num.recovery.threads.per.data.dir':
    'In Kafka, how many threads each data directory gets for recovering its logs at startup and flushing them at shutdown. ' + NO_EFFECT,
  'num.replica.alter.log.dirs.threads':
    'In Kafka, the number of threads that move replicas between data directories; when unset, one per data directory. ' + NO_EFFECT,
  'log.roll.hours':
    'The age in hours after which the active segment of a partition is closed and a new one started. ' +
    'It applies only when log.roll.ms is not set; topics override it with segment.ms.',
  'log.roll.jitter.hours':
    'The most, in hours, subtracted at random from the segment roll time so that partitions do not roll together (when log.roll.jitter.ms is unset); topics override it with segment.jitter.ms.',
  'log.retention.minutes':
    'How long in minutes records are kept before their segments are deleted, under the "delete" cleanup policy; -1 means no time limit. ' +
    'It applies only when log.retention.ms is not set, and takes precedence over log.retention.hours; topics override it with retention.ms.',
  'log.retention.hours':
    'How long in hours records are kept before their segments are deleted, under the "delete" cleanup policy; -1 means no time limit. ' +
    'It applies only when neither log.retention.ms nor log.retention.minutes is set; topics override it with retention.ms.',
  'log.retention.check.interval.ms':
    'How often, in milliseconds, the broker looks for segments that retention allows it to delete.',
  'log.cleaner.enable':
    'Whether the log cleaner runs. With false, topics whose cleanup.policy includes "compact" (__consumer_offsets too) are never compacted and grow until retention removes segments.',
  'log.cleaner.threads':
    'In Kafka, the number of threads that compact logs. ' + NO_EFFECT,
  'log.cleaner.dedupe.buffer.size':
    'In Kafka, the memory in bytes, shared by all cleaner threads, for the key-to-offset map used while compacting. ' + NO_EFFECT,
  'log.flush.scheduler.interval.ms':
    'How often, in milliseconds, the broker checks whether any log is due for a time-based flush to disk. ' +
    'It is also the flush interval when log.flush.interval.ms is not set; the default (Long.MAX_VALUE) means no time-based flushing.',
  'log.flush.offset.checkpoint.interval.ms':
    'How often, in milliseconds, the broker records on disk the offset up to which each log has been flushed, which bounds how much must be recovered after a crash.',

  // Topics and replication.
  'zookeeper.connect':
    'The ZooKeeper ensemble of a ZooKeeper-mode cluster, as comma-separated host:port entries optionally followed by a chroot path (for example "zk1:2181,zk2:2181/kafka").',
  'zookeeper.session.timeout.ms':
    'The ZooKeeper session timeout in milliseconds; a broker whose session expires is considered gone.',
  'zookeeper.connection.timeout.ms':
    'How long in milliseconds the broker waits to connect to ZooKeeper. When unset, zookeeper.session.timeout.ms is used.',
  'num.partitions':
    'The number of partitions of a topic created automatically, or by a CreateTopics request that leaves the partition count at -1.',
  'default.replication.factor':
    'The replication factor of a topic created automatically, or by a CreateTopics request that leaves the replication factor at -1.',
  'auto.create.topics.enable':
    'Whether a metadata request naming an unknown topic creates it, using num.partitions and default.replication.factor.',
  'delete.topic.enable':
    'Whether topics may be deleted; when false, requests to delete a topic are refused.',
  'auto.leader.rebalance.enable':
    'Whether a background task moves partition leadership back to the preferred (first listed) replica when too many leaders sit elsewhere, ' +
    'as judged by leader.imbalance.per.broker.percentage every leader.imbalance.check.interval.seconds.',
  'num.replica.fetchers':
    'How many replica fetchers (each with its own connection) a follower runs per source broker; a partition always uses the same one.',
  'replica.fetch.backoff.ms':
    'How long in milliseconds a follower waits before fetching a partition again after the fetch failed.',
  'controller.socket.timeout.ms':
    'The timeout in milliseconds of the controller\'s requests to brokers, and of brokers\' requests to the controller.',
  'leader.imbalance.check.interval.seconds':
    'How often, in seconds, the controller checks whether partition leadership should move back to preferred replicas.',
  'leader.imbalance.per.broker.percentage':
    'The share, in percent, of a broker\'s preferred partitions led elsewhere above which the controller moves them back.',
  'controlled.shutdown.max.retries':
    'How many times a broker that is shutting down asks the controller to move its leadership away before it stops anyway.',
  'controlled.shutdown.retry.backoff.ms':
    'How long in milliseconds a broker waits between two controlled shutdown attempts.',
  'security.inter.broker.protocol':
    'The security protocol brokers use to talk to each other when inter.broker.listener.name is unset: the listener of that name is used. Only PLAINTEXT is served.',
  'zookeeper.max.in.flight.requests':
    'In Kafka, the most unacknowledged requests a broker sends to ZooKeeper before it blocks. ' + NO_EFFECT,
  'replica.lag.time.max.ms':
    'A follower that has not fetched, or has not caught up with the leader\'s log end offset, for this many milliseconds is removed from the in-sync replica set.',
  'replica.fetch.max.bytes':
    'How many bytes per partition a follower asks for in one fetch. ' +
    'It is not a hard limit: a first record batch larger than this is still returned so that replication can progress.',
  'replica.fetch.wait.max.ms':
    'The longest time in milliseconds the leader holds a follower fetch open while waiting for replica.fetch.min.bytes of data. ' +
    'It should stay below replica.lag.time.max.ms so that slow topics do not drop followers from the in-sync set.',
  'replica.fetch.min.bytes':
    'How many bytes must be available before the leader answers a follower fetch, waiting at most replica.fetch.wait.max.ms.',
  'replica.fetch.response.max.bytes':
    'The most bytes a follower accepts in one fetch response over all partitions. ' +
    'It is not a hard limit: a first record batch larger than this is still returned so that replication can progress.',
  'replica.socket.timeout.ms':
    'The network timeout in milliseconds of follower fetch requests; it should be at least replica.fetch.wait.max.ms.',
  'replica.high.watermark.checkpoint.interval.ms':
    'How often, in milliseconds, the high watermark of every partition is saved to disk.',
  'controlled.shutdown.enable':
    'Whether a broker that is shutting down first hands the leadership of its partitions to other replicas, so that the partitions stay available.',
  'fetch.max.bytes':
    'The most bytes the broker returns in one fetch response over all partitions; a consumer\'s own fetch.max.bytes can lower it but not raise it. ' +
    'A first record batch larger than this is still returned so that consumption can progress.',
  'max.incremental.fetch.session.cache.slots':
    'How many incremental fetch sessions the broker keeps at once; 0 disables incremental fetch sessions.',
  'fetch.purgatory.purge.interval.requests':
    'In Kafka, how many fetch requests may be added to the delayed-fetch purgatory between two purges of completed entries. ' + NO_EFFECT,
  'producer.purgatory.purge.interval.requests':
    'In Kafka, how many produce requests may be added to the delayed-produce purgatory between two purges of completed entries. ' + NO_EFFECT,

  // Consumer groups and offsets.
  'group.initial.rebalance.delay.ms':
    'How long in milliseconds the coordinator waits for more members to join an empty classic group before its first rebalance; ' +
    'each new member restarts the wait, up to the rebalance timeout. 0 means no delay.',
  'group.min.session.timeout.ms':
    'The smallest session timeout in milliseconds a group member may ask for; a JoinGroup with a shorter one fails with INVALID_SESSION_TIMEOUT.',
  'group.max.session.timeout.ms':
    'The largest session timeout in milliseconds a group member may ask for; a JoinGroup with a longer one fails with INVALID_SESSION_TIMEOUT.',
  'group.max.size':
    'The most members a single consumer group may have; members that would exceed it are rejected with GROUP_MAX_SIZE_REACHED.',
  'group.coordinator.rebalance.protocols':
    'In Kafka, the group rebalance protocols the coordinator enables (classic, consumer, and the early-access share). ' + NO_EFFECT,
  'offsets.topic.num.partitions':
    'The number of partitions of the internal __consumer_offsets topic. It should not be changed once the topic exists.',
  'offsets.topic.replication.factor':
    'The replication factor of the internal __consumer_offsets topic; the topic is not created until this many brokers are available.',
  'offsets.topic.segment.bytes':
    'The segment size in bytes of the internal __consumer_offsets topic, kept small so that it compacts and loads quickly.',
  'offsets.topic.compression.codec':
    'The compression codec of the batches the group coordinator writes to __consumer_offsets (committed offsets and group metadata): 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.',
  'offsets.retention.minutes':
    'How long in minutes committed offsets are kept: for a group, counted from when it became empty (or, for a partition of a topic the group no longer subscribes to, from the last commit); ' +
    'for standalone consumers, from the last commit. Offsets of a deleted group are removed immediately.',
  'offsets.retention.check.interval.ms':
    'How often, in milliseconds, the group coordinator looks for committed offsets that have expired.',
  'offsets.commit.timeout.ms':
    'How long in milliseconds an offset commit waits for all replicas of its __consumer_offsets partition to receive it before the commit fails.',
  'offsets.load.buffer.size':
    'How many bytes are read at a time from __consumer_offsets when a coordinator loads group state into memory; a larger record batch is still read whole.',
  'offset.metadata.max.bytes':
    'The largest metadata string, in bytes, that may accompany a committed offset; larger ones fail with OFFSET_METADATA_TOO_LARGE.',

  // Transactions.
  'transaction.state.log.num.partitions':
    'The number of partitions of the internal __transaction_state topic, created when the first transactional producer needs it. It should not be changed once the topic exists.',
  'transaction.state.log.replication.factor':
    'The replication factor of the internal __transaction_state topic; in a cluster the topic is not created until this many brokers are available (a single node caps it at one).',
  'transaction.state.log.min.isr':
    'The min.insync.replicas of the internal __transaction_state topic: transaction state changes are written with acks=all and fail with fewer in-sync replicas (a single node caps it at the replication factor).',
  'transaction.state.log.segment.bytes':
    'The segment size in bytes of the internal __transaction_state topic, kept small so that it compacts and loads quickly.',
  'transactional.id.expiration.ms':
    'How long in milliseconds a transactional id may go without any transaction activity before the transaction coordinator forgets it (writes a tombstone to __transaction_state).',
  'transaction.max.timeout.ms':
    'The largest transaction timeout, in milliseconds, a producer may ask for; InitProducerId with a larger one fails with INVALID_TRANSACTION_TIMEOUT.',
  // Metrics, security, KRaft.
  'metrics.num.samples':
    'In Kafka, how many samples are kept to compute each metric. ' + NO_EFFECT,
  'metrics.sample.window.ms':
    'In Kafka, the time window in milliseconds that one metric sample covers. ' + NO_EFFECT,
  'metric.reporters':
    'In Kafka, classes (implementing MetricsReporter) that receive the broker metrics. ' + NO_EFFECT,
  'authorizer.class.name':
    'In Kafka, the class that authorizes requests against ACLs; empty means no authorization. ' + NO_EFFECT,
  'confluent.support.metrics.enable':
    'A Confluent Platform setting, not part of Apache Kafka, that enables sending support metrics to Confluent. ' + NO_EFFECT,
  'process.roles':
    'In Kafka, the KRaft roles of this server: broker, controller or both; empty means ZooKeeper mode. ' + NO_EFFECT,
  'node.id':
    'In Kafka, the id of this server in KRaft mode, required when process.roles is set. ' + NO_EFFECT,
  'ssl.keystore.password':
    'In Kafka, the password of the SSL key store file. ' + NO_EFFECT_YET,
  'ssl.key.password':
    'In Kafka, the password protecting the private key held in the SSL key store. ' + NO_EFFECT_YET,
  'ssl.truststore.password':
    'In Kafka, the password of the SSL trust store file; without it the trust store is still used, but its integrity is not checked. ' + NO_EFFECT_YET,

  // Added keys: tiered storage, cleaner tuning, transactions, quotas, security.
  'log.cleaner.backoff.ms':
    'The pause in milliseconds between two passes of the log cleaner over the compacted logs. A dynamic change applies from the next pass.',
  'log.cleaner.io.buffer.size':
    'In Kafka, the memory in bytes, shared by all cleaner threads, for the read and write buffers of compaction. ' + NO_EFFECT,
  'log.cleaner.io.buffer.load.factor':
    'In Kafka, how full (between 0 and 1) the key-to-offset map of the cleaner may become before a cleaning pass stops. ' + NO_EFFECT,
  'log.cleaner.io.max.bytes.per.second':
    'In Kafka, the most bytes per second the cleaner threads together read and write; the default puts no limit. ' + NO_EFFECT,
  'log.flush.start.offset.checkpoint.interval.ms':
    'In Kafka, how often, in milliseconds, the log start offset of every partition is saved to its own checkpoint file. ' + NO_EFFECT,
  'log.dir.failure.timeout.ms':
    'In Kafka, how long in milliseconds a broker with a failed log directory waits for the controller before it shuts down. ' + NO_EFFECT,
  'remote.log.storage.system.enable':
    'In Kafka, whether tiered storage is enabled on the broker; Gregor has no tiered storage and refuses remote.storage.enable=true on topics either way. ' + NO_EFFECT,
  'inter.broker.protocol.version':
    'In Kafka, the protocol version brokers use with each other during a rolling upgrade; Gregor always speaks the Kafka 3.9 protocol. ' + NO_EFFECT,
  'max.connection.creation.rate':
    'In Kafka, the most new connections per second the broker accepts over all listeners; Gregor does not limit the rate. ' + NO_EFFECT,
  'control.plane.listener.name':
    'In Kafka, a listener reserved for requests from the controller; Gregor sends them over the inter-broker listener. ' + NO_EFFECT,
  'connection.failed.authentication.delay.ms':
    'In Kafka, how long in milliseconds a connection that failed authentication is held before it is closed. ' + NO_EFFECT_YET,
  'connections.max.reauth.ms':
    'In Kafka, the longest lifetime in milliseconds of a SASL session before the client must authenticate again; 0 means no limit. ' + NO_EFFECT_YET,
  'delete.records.purgatory.purge.interval.requests':
    'In Kafka, how many delete-records requests may be added to their purgatory between two purges of completed entries. ' + NO_EFFECT,
  'replica.socket.receive.buffer.bytes':
    'In Kafka, the size in bytes of the receive buffer (SO_RCVBUF) of follower fetch connections. ' + NO_EFFECT,
  'replica.selector.class':
    'In Kafka, the class (KIP-392) that picks the replica a consumer with client.rack should fetch from; Gregor always serves fetches from the leader. ' + NO_EFFECT,
  'unclean.leader.election.interval.ms':
    'In Kafka\'s KRaft mode, how often in milliseconds the controller looks for partitions that need an unclean leader election. ' + NO_EFFECT,
  'zookeeper.set.acl':
    'In Kafka, whether the broker creates its ZooKeeper nodes with secure ACLs. ' + NO_EFFECT,
  'zookeeper.ssl.client.enable':
    'In Kafka, whether the broker connects to ZooKeeper over TLS. ' + NO_EFFECT,
  'transaction.state.log.load.buffer.size':
    'How many bytes are read at a time from __transaction_state when a transaction coordinator loads a partition; a larger record batch is still read whole.',
  'transaction.abort.timed.out.transaction.cleanup.interval.ms':
    'How often in milliseconds the transaction coordinator aborts transactions open longer than their timeout (fencing their producer).',
  'transaction.remove.expired.transaction.cleanup.interval.ms':
    'How often in milliseconds the transaction coordinator removes transactional ids idle longer than transactional.id.expiration.ms.',
  'transaction.partition.verification.enable':
    'In Kafka, whether the leader checks that a partition was added to an ongoing transaction before a transactional write to it. ' + NO_EFFECT_YET,
  'producer.id.expiration.ms':
    'How long in milliseconds a partition keeps the state (epoch, last sequences) of a producer id that has stopped writing; ' +
    'an idempotent producer that resumes later starts afresh. A producer with an open transaction is never forgotten. A dynamic change applies at the next check.',
  'producer.id.expiration.check.interval.ms':
    'How often in milliseconds every partition forgets the producer ids idle longer than producer.id.expiration.ms.',
  'quota.window.num':
    'In Kafka, how many samples are kept for client quotas. ' + NO_EFFECT_YET,
  'quota.window.size.seconds':
    'In Kafka, the time span in seconds of each client quota sample. ' + NO_EFFECT_YET,
  'replication.quota.window.num':
    'In Kafka, how many samples are kept for replication quotas. ' + NO_EFFECT_YET,
  'replication.quota.window.size.seconds':
    'In Kafka, the time span in seconds of each replication quota sample. ' + NO_EFFECT_YET,
  'create.topic.policy.class.name':
    'In Kafka, a class (CreateTopicPolicy) that may refuse topic creations. ' + NO_EFFECT,
  'alter.config.policy.class.name':
    'In Kafka, a class (AlterConfigPolicy) that may refuse config changes. ' + NO_EFFECT,
  'metrics.recording.level':
    'In Kafka, the highest recording level of metrics (INFO, DEBUG or TRACE). ' + NO_EFFECT,
  'kafka.metrics.reporters':
    'In Kafka, classes that receive the Yammer metrics of the broker. ' + NO_EFFECT,
  'kafka.metrics.polling.interval.secs':
    'In Kafka, how often in seconds the Yammer metrics reporters poll the metrics. ' + NO_EFFECT,
  'auto.include.jmx.reporter':
    'In Kafka, whether the JMX metrics reporter is added even when metric.reporters does not list it. ' + NO_EFFECT,
  'ssl.keystore.location':
    'In Kafka, the path of the key store file of the TLS listeners. ' + NO_EFFECT_YET,
  'ssl.keystore.type':
    'In Kafka, the format of the key store file (JKS, PKCS12 or PEM). ' + NO_EFFECT_YET,
  'ssl.truststore.location':
    'In Kafka, the path of the trust store file used to check client certificates. ' + NO_EFFECT_YET,
  'ssl.truststore.type':
    'In Kafka, the format of the trust store file (JKS, PKCS12 or PEM). ' + NO_EFFECT_YET,
  'ssl.client.auth':
    'In Kafka, whether TLS listeners ask clients for a certificate: required, requested or none. ' + NO_EFFECT_YET,
  'ssl.protocol':
    'In Kafka, the TLS protocol used to create the SSL context. ' + NO_EFFECT_YET,
  'ssl.enabled.protocols':
    'In Kafka, the TLS protocol versions the listeners accept. ' + NO_EFFECT_YET,
  'ssl.endpoint.identification.algorithm':
    'In Kafka, how a TLS peer\'s host name is checked against its certificate; empty disables the check. ' + NO_EFFECT_YET,
  'sasl.enabled.mechanisms':
    'In Kafka, the SASL mechanisms the listeners accept. ' + NO_EFFECT_YET,
  'sasl.mechanism.inter.broker.protocol':
    'In Kafka, the SASL mechanism brokers use with each other. ' + NO_EFFECT_YET,
  'principal.builder.class':
    'In Kafka, the class that builds the principal of an authenticated connection. ' + NO_EFFECT_YET,
  'password.encoder.secret':
    'In Kafka, the secret that encrypts dynamically set passwords before they are stored in ZooKeeper. ' + NO_EFFECT_YET,
};

/** For broker keys with a fallback of their own: what applies when the key itself is unset. */
const FALLBACKS: Readonly<Record<string, string>> = {
  'log.roll.ms': 'log.roll.hours',
  'log.roll.jitter.ms': 'log.roll.jitter.hours',
  'log.retention.ms': 'log.retention.minutes, or else log.retention.hours,',
  'log.flush.interval.ms': 'log.flush.scheduler.interval.ms',
};

function buildBrokerDocs(): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [topicKey, synonyms] of Object.entries(TOPIC_SYNONYMS)) {
    const topicDoc = TOPIC_CONFIG_DOCS[topicKey];
    if (topicDoc === undefined) continue;
    for (const s of synonyms) {
      // Scaled synonyms (hours, minutes) use other units than the topic key: they have own text.
      if (s.scale !== undefined || s.key in OWN_DOCS || !BROKER_CONFIG_BY_KEY.has(s.key)) continue;
      const fallback = FALLBACKS[s.key];
      const unset = fallback ? ` (when this key is unset, ${fallback} applies instead)` : '';
      out[s.key] = `Server-wide default of the topic config ${topicKey}, used by every topic that does not set it${unset}. ${topicDoc}`;
    }
  }
  for (const [key, doc] of Object.entries(OWN_DOCS)) out[key] = doc;
  return Object.freeze(out);
}

export const BROKER_CONFIG_DOCS: Readonly<Record<string, string>> = buildBrokerDocs();

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The documentation string DescribeConfigs returns for `key`, or null for a key Gregor does not know. */
export function configDocumentation(resourceType: 'topic' | 'broker', key: string): string | null {
  const docs = resourceType === 'topic' ? TOPIC_CONFIG_DOCS : BROKER_CONFIG_DOCS;
  return has(docs, key) ? docs[key] ?? null : null;
}
