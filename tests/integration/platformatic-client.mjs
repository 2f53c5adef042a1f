// Runs @platformatic/kafka (ESM-only, so it runs in its own Node process) against a broker:
// creates a topic, produces, consumes with a group, and prints what it saw as one JSON line.
// Usage: node platformatic-client.mjs HOST:PORT TOPIC COUNT
import { Admin, Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';

const [bootstrap, topic, countArg] = process.argv.slice(2);
const count = Number(countArg);
const result = { created: false, metadataPartitions: -1, produced: 0, consumed: [] };
const admin = new Admin({ clientId: 'pl-admin', bootstrapBrokers: [bootstrap] });
try {
  await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
  result.created = true;
  const md = await admin.metadata({ topics: [topic] });
  result.metadataPartitions = md.topics.get(topic)?.partitionsCount ?? md.topics.get(topic)?.partitions?.length ?? -1;
} finally {
  await admin.close();
}

const producer = new Producer({ clientId: 'pl-producer', bootstrapBrokers: [bootstrap], serializers: stringSerializers });
for (let i = 0; i < count; i += 10) {
  const messages = [];
  for (let j = i; j < Math.min(count, i + 10); j++) {
    messages.push({ topic, partition: j % 2, key: `k${j}`, value: `value-${j}`, headers: new Map([['idx', String(j)]]) });
  }
  await producer.send({ messages });
  result.produced += messages.length;
}
await producer.close();

const consumer = new Consumer({ groupId: `pl-group-${topic}`, clientId: 'pl-consumer', bootstrapBrokers: [bootstrap], deserializers: stringDeserializers, maxWaitTime: 200 });
const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: true, sessionTimeout: 10000, heartbeatInterval: 500 });
const timer = setTimeout(() => stream.close(), 20000);
for await (const m of stream) {
  result.consumed.push({ partition: m.partition, offset: String(m.offset), key: m.key, value: m.value, idx: m.headers.get('idx') });
  if (result.consumed.length >= count) break;
}
clearTimeout(timer);
await stream.close();
await consumer.close(true);
process.stdout.write(JSON.stringify(result) + '\n');
