/**
 * The znode payloads, byte for byte as Kafka 3.9's ZooKeeper mode writes them. The expected
 * strings are zkCli output of real Kafka clusters (timestamps and ids reused so the bytes can be
 * compared whole); the config key orders were checked against JDK 17's java.util.Properties.
 */
import { writeKafkaJson, jsonObject, javaPropertiesOrder, scalaMutableHashMapOrder } from '../../../coordinator/zk/kafka-json';
import {
  BrokerIdZNode,
  ClusterIdZNode,
  ConfigEntityChangeNotificationSequenceZNode,
  ConfigEntityZNode,
  ControllerEpochZNode,
  ControllerZNode,
  TopicPartitionStateZNode,
  TopicZNode,
} from '../../../coordinator/zk/znodes';

const text = (b: Buffer) => b.toString('utf8');
const ep = (listenerName: string, securityProtocol: string, host: string, port: number) => ({ listenerName, securityProtocol, host, port });
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('ZooKeeper znodes as Kafka 3.9 writes them', () => {
  it('/brokers/ids/<id>: broker info version 5', () => {
    expect(text(BrokerIdZNode.encode({ brokerId: 1, rack: null, endpoints: [ep('PLAINTEXT', 'PLAINTEXT', '10.0.0.1', 9092)] }, 1627960927890))).toBe(
      '{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://10.0.0.1:9092"],"jmx_port":-1,"features":{},"host":"10.0.0.1","timestamp":"1627960927890","port":9092,"version":5}',
    );
    const four = [ep('INSECURE', 'PLAINTEXT', 'localhost', 9092), ep('ENCRYPTED', 'SSL', 'localhost', 19092), ep('REPLICATION', 'SASL_PLAINTEXT', 'localhost', 29092), ep('AUTHENTICATED', 'SASL_PLAINTEXT', 'localhost', 39092)];
    expect(text(BrokerIdZNode.encode({ brokerId: 0, rack: null, endpoints: four }, 1666342423700))).toBe(
      '{"listener_security_protocol_map":{"INSECURE":"PLAINTEXT","ENCRYPTED":"SSL","REPLICATION":"SASL_PLAINTEXT","AUTHENTICATED":"SASL_PLAINTEXT"},"endpoints":["INSECURE://localhost:9092","ENCRYPTED://localhost:19092","REPLICATION://localhost:29092","AUTHENTICATED://localhost:39092"],"jmx_port":-1,"features":{},"host":"localhost","timestamp":"1666342423700","port":9092,"version":5}',
    );
    // With a rack; without a PLAINTEXT listener host is null and port -1; IPv6 hosts in brackets.
    expect(text(BrokerIdZNode.encode({ brokerId: 2, rack: 'dc1', endpoints: [ep('SECURE', 'SSL', '::1', 9093)] }, 5))).toBe(
      '{"listener_security_protocol_map":{"SECURE":"SSL"},"endpoints":["SECURE://[::1]:9093"],"rack":"dc1","jmx_port":-1,"features":{},"host":null,"timestamp":"5","port":-1,"version":5}',
    );
  });

  it('/brokers/ids/<id>: reads what Kafka wrote, old versions included', () => {
    const v5 = '{"listener_security_protocol_map":{"INTERNAL":"PLAINTEXT","EXTERNAL":"SASL_SSL"},"endpoints":["INTERNAL://kf01:9092","EXTERNAL://[fe80::1]:19092"],"jmx_port":-1,"features":{},"host":"kf01","timestamp":"1684599876292","port":9092,"version":5,"rack":"r2"}';
    expect(BrokerIdZNode.decode(3, Buffer.from(v5))).toEqual({ brokerId: 3, rack: 'r2', endpoints: [ep('INTERNAL', 'PLAINTEXT', 'kf01', 9092), ep('EXTERNAL', 'SASL_SSL', 'fe80::1', 19092)] });
    const v2 = '{"version":2,"host":"h","port":9092,"jmx_port":-1,"timestamp":"1","endpoints":["PLAINTEXT://h:9092","SSL://h:9093"]}';
    expect(BrokerIdZNode.decode(4, Buffer.from(v2)).endpoints).toEqual([ep('PLAINTEXT', 'PLAINTEXT', 'h', 9092), ep('SSL', 'SSL', 'h', 9093)]);
    expect(BrokerIdZNode.decode(5, Buffer.from('{"version":1,"host":"old","port":9092,"jmx_port":-1}')).endpoints).toEqual([ep('PLAINTEXT', 'PLAINTEXT', 'old', 9092)]);
    expect(() => BrokerIdZNode.decode(6, Buffer.from('{"version":5,"endpoints":["NOPE://h:1"],"listener_security_protocol_map":{}}'))).toThrow(/no security protocol for listener NOPE/);
    expect(() => BrokerIdZNode.decode(7, Buffer.from('garbage'))).toThrow(/znode \/brokers\/ids\/7 does not hold JSON/);
  });

  it('/brokers/topics/<t>: version 3 in the partition order of Kafka clusters', () => {
    const topic = (name: string, id: string, assignment: [number, number[]][]) => text(TopicZNode.encode(name, { topicId: id, assignment: new Map(assignment), addingReplicas: new Map(), removingReplicas: new Map() }));
    expect(topic('order-created', 'gib5GbiRTyuLqmqld5r9dg', [[0, [0]]])).toBe('{"removing_replicas":{},"partitions":{"0":[0]},"topic_id":"gib5GbiRTyuLqmqld5r9dg","adding_replicas":{},"version":3}');
    expect(topic('test-topic', 'RSZ--odYRlSOPGRgukKnAQ', [[0, [3, 2]], [1, [1, 3]], [2, [2, 1]]])).toBe(
      '{"removing_replicas":{},"partitions":{"2":[2,1],"1":[1,3],"0":[3,2]},"topic_id":"RSZ--odYRlSOPGRgukKnAQ","adding_replicas":{},"version":3}',
    );
    expect(topic('hello.kafka', 'qCqvWVu9Q6OJ_udtfKYegA', [[0, [3]], [1, [1]], [2, [2]], [3, [3]]])).toBe(
      '{"removing_replicas":{},"partitions":{"2":[2],"1":[1],"0":[3],"3":[3]},"topic_id":"qCqvWVu9Q6OJ_udtfKYegA","adding_replicas":{},"version":3}',
    );
    const twenty: Record<number, number> = { 0: 0, 1: 2, 2: 1, 3: 0, 4: 2, 5: 1, 6: 0, 7: 2, 8: 1, 9: 0, 10: 2, 11: 1, 12: 0, 13: 2, 14: 1, 15: 0, 16: 2, 17: 1, 18: 0, 19: 2 };
    expect(topic('diytopic222', 'McZM_uPoQZmvSqcFaYC_vg', range(20).map((p) => [p, [twenty[p]!]]))).toBe(
      '{"removing_replicas":{},"partitions":{"2":[1],"5":[1],"12":[0],"8":[1],"15":[0],"18":[0],"7":[2],"1":[2],"17":[1],"4":[2],"11":[1],"14":[1],"6":[0],"0":[0],"9":[0],"16":[2],"10":[2],"3":[0],"19":[2],"13":[2]},"topic_id":"McZM_uPoQZmvSqcFaYC_vg","adding_replicas":{},"version":3}',
    );
    // 50 partitions (the table grows twice); zkCli's output of this one is known up to partition 11.
    expect(topic('__consumer_offsets', 'x', range(50).map((p) => [p, [p % 2 === 0 ? 1 : 0]]))).toMatch(
      /^\{"removing_replicas":\{\},"partitions":\{"30":\[1\],"39":\[0\],"45":\[0\],"2":\[1\],"5":\[0\],"48":\[1\],"33":\[0\],"27":\[0\],"12":\[1\],"8":\[1\],"15":\[0\],"42":\[1\],"36":\[1\],"21":\[0\],"18":\[1\],"24":\[1\],"35":\[0\],"41":\[0\],"7":\[0\],"17":\[0\],"1":\[0\],"44":\[1\],"23":\[0\],"38":\[1\],"47":\[0\],"4":\[1\],"26":\[1\],"11":\[0\],"32"/,
    );
  });

  it('/brokers/topics/<t>: a reassignment and what is read back', () => {
    const data = { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', assignment: new Map([[0, [3, 1, 2]], [1, [1, 2]]]), addingReplicas: new Map([[0, [3]]]), removingReplicas: new Map([[0, [2]]]) };
    const bytes = TopicZNode.encode('t', data);
    expect(text(bytes)).toBe('{"removing_replicas":{"0":[2]},"partitions":{"1":[1,2],"0":[3,1,2]},"topic_id":"AAAAAAAAAAAAAAAAAAAAAQ","adding_replicas":{"0":[3]},"version":3}');
    expect(TopicZNode.decode('t', bytes)).toEqual(data);
    // Written by Kafka before topic ids (version 1): no id, no reassignment.
    expect(TopicZNode.decode('t', Buffer.from('{"version":1,"partitions":{"1":[2,0],"0":[1,2]}}'))).toEqual({ topicId: null, assignment: new Map([[0, [1, 2]], [1, [2, 0]]]), addingReplicas: new Map(), removingReplicas: new Map() });
  });

  it('/brokers/topics/<t>/partitions/<p>/state', () => {
    const s = { leader: 2, leaderEpoch: 0, isr: [2, 3, 1], controllerEpoch: 1, leaderRecoveryState: 0 };
    expect(text(TopicPartitionStateZNode.encode(s))).toBe('{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]}');
    expect(text(TopicPartitionStateZNode.encode({ ...s, leaderRecoveryState: 1 }))).toBe('{"controller_epoch":1,"leader":2,"version":1,"leader_recovery_state":1,"leader_epoch":0,"isr":[2,3,1]}');
    expect(TopicPartitionStateZNode.decode('p', Buffer.from('{"controller_epoch":86,"leader":1,"version":1,"leader_epoch":56,"isr":[1]}'))).toEqual({ leader: 1, leaderEpoch: 56, isr: [1], controllerEpoch: 86, leaderRecoveryState: 0 });
  });

  it('/controller, /controller_epoch and /cluster/id', () => {
    expect(text(ControllerZNode.encode(0, 1676813353461))).toBe('{"version":2,"brokerid":0,"timestamp":"1676813353461","kraftControllerEpoch":-1}');
    expect(ControllerZNode.decode(Buffer.from('{"version":1,"brokerid":7,"timestamp":"1643692590537"}'))).toBe(7);
    expect(text(ControllerEpochZNode.encode(12))).toBe('12');
    expect(ControllerEpochZNode.decode(Buffer.from('12'))).toBe(12);
    expect(() => ControllerEpochZNode.decode(Buffer.from('x'))).toThrow(/does not hold an integer/);
    expect(text(ClusterIdZNode.encode('tm5xkZv4HIenBmXWA6srwg'))).toBe('{"version":"1","id":"tm5xkZv4HIenBmXWA6srwg"}');
    expect(ClusterIdZNode.decode(Buffer.from('{"version":"1","id":"abc"}'))).toBe('abc');
  });

  it('/config/<type>/<name> and /config/changes/config_change_<seq>', () => {
    const cfg = { 'min.insync.replicas': '2', 'retention.ms': '1000', 'max.message.bytes': '10', 'compression.type': 'zstd' };
    const bytes = ConfigEntityZNode.encode(cfg);
    expect(text(bytes)).toBe('{"version":1,"config":{"compression.type":"zstd","max.message.bytes":"10","min.insync.replicas":"2","retention.ms":"1000"}}');
    expect(ConfigEntityZNode.decode('/config/topics/t', bytes)).toEqual(cfg);
    expect(text(ConfigEntityZNode.encode({}))).toBe('{"version":1,"config":{}}');
    expect(ConfigEntityZNode.decode('/config/topics/t', Buffer.alloc(0))).toEqual({});
    expect(text(ConfigEntityChangeNotificationSequenceZNode.encode('brokers/<default>'))).toBe('{"version":2,"entity_path":"brokers/<default>"}');
    expect(ConfigEntityChangeNotificationSequenceZNode.decode('n', Buffer.from('{"version":1,"entity_type":"topics","entity_name":"t"}'))).toBe('topics/t');
    expect(ConfigEntityChangeNotificationSequenceZNode.sequenceNumber('config_change_0000000042')).toBe(42);
    expect(ConfigEntityChangeNotificationSequenceZNode.sequenceNumber('other')).toBeNull();
  });
});

describe('JVM map orders and Jackson output', () => {
  it('orders java.util.Properties as JDK 17 does, through resizes and hash collisions', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyz'.split('').concat(['aa', 'bb', 'cc', 'dd', 'ee', 'ff', 'gg', 'hh']);
    expect(javaPropertiesOrder(letters).join(',')).toBe('bb,dd,ff,hh,aa,cc,ee,gg,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z');
    // "Aa" and "BB" (and their concatenations) share a hash: bins keep insertion order.
    expect(javaPropertiesOrder(['Aa', 'BB', 'AaAa', 'BBBB', 'AaBB', 'BBAa', 'C#', 'Bb', 'Ab']).join(',')).toBe('Aa,BB,C#,Bb,Ab,AaAa,BBBB,AaBB,BBAa');
  });

  it("orders a Scala 2.12 mutable.HashMap's keys by bucket, highest first", () => {
    expect(scalaMutableHashMapOrder(['version', 'partitions', 'adding_replicas', 'removing_replicas', 'topic_id'])).toEqual(['removing_replicas', 'partitions', 'topic_id', 'adding_replicas', 'version']);
  });

  it('escapes strings as Jackson does', () => {
    expect(writeKafkaJson(jsonObject([['k', 'a"b\\c\n\u0001é/']]))).toBe('{"k":"a\\"b\\\\c\\n\\u0001é/"}');
    expect(writeKafkaJson(jsonObject([['k', '\u001f']]))).toBe('{"k":"\\u001F"}');
    expect(() => writeKafkaJson(1.5)).toThrow(/integers only/);
  });
});
