/** The generator's spec loader, version ranges, naming and default handling. */
import { parseSpec, stripComments } from '../../protocol/gen/spec';
import { cond, parseVersions, subtract } from '../../protocol/gen/versions';
import { buildModel, kebabCase } from '../../protocol/gen/model';
import { renderMessage } from '../../protocol/gen/main';
import { Reader } from '../../protocol/primitives/reader';
import { Writer } from '../../protocol/primitives/writer';
import { ErrorCode, KafkaError } from '../../protocol/errors';
import { defaultRequestHeader, readRequestHeader, writeRequestHeader, sizeRequestHeader } from '../../protocol/generated/request-header';
import * as produce from '../../protocol/generated/produce-request';
import * as fetchResp from '../../protocol/generated/fetch-response';
import * as heartbeat from '../../protocol/generated/broker-heartbeat-request';
import * as initPid from '../../protocol/generated/init-producer-id-response';

function enc<T>(size: (m: T, v: number) => number, write: (w: Writer, m: T, v: number) => void, m: T, v: number): Buffer {
  const w = new Writer(size(m, v));
  write(w, m, v);
  return w.finishConcat();
}

describe('Protocol > generator > spec language', () => {
  it('strips // comments only outside string literals', () => {
    const text = '// header\n{ "about": "see http://x//y", // trailing\n "n": "a\\"//b" }';
    expect(JSON.parse(stripComments(text))).toEqual({ about: 'see http://x//y', n: 'a"//b' });
    expect(() => parseSpec('{ "x": 1 }', 'x.json')).toThrow(/not a message spec/);
  });

  it('parses version ranges and emits minimal version conditions', () => {
    expect(parseVersions('3+', 'x')).toEqual({ min: 3, max: Infinity });
    expect(parseVersions('0-2', 'x')).toEqual({ min: 0, max: 2 });
    expect(parseVersions('5', 'x')).toEqual({ min: 5, max: 5 });
    expect(parseVersions('none', 'x').min).toBeGreaterThan(parseVersions('none', 'x').max);
    expect(() => parseVersions('1-', 'x')).toThrow();
    const ctx = { min: 0, max: 11 };
    expect(cond({ min: 0, max: Infinity }, ctx)).toBe('true');
    expect(cond({ min: 12, max: Infinity }, ctx)).toBe('false');
    expect(cond({ min: 3, max: Infinity }, ctx)).toBe('version >= 3');
    expect(cond({ min: 3, max: 7 }, ctx)).toBe('version >= 3 && version <= 7');
    expect(subtract({ min: 0, max: Infinity }, { min: 3, max: Infinity }, 'x')).toEqual({ min: 0, max: 2 });
  });

  it('names modules in kebab case', () => {
    expect(kebabCase('ProduceRequest')).toBe('produce-request');
    expect(kebabCase('KRaftVersionRecord')).toBe('kraft-version-record');
    expect(kebabCase('DescribeUserScramCredentialsResponse')).toBe('describe-user-scram-credentials-response');
  });

  it('encodes nullable structs with an int8 marker, and inside tagged fields with a varint marker (as Kafka)', () => {
    const spec = {
      type: 'data',
      name: 'NullableStructs',
      validVersions: '0-1',
      flexibleVersions: '1+',
      fields: [
        { name: 'A', type: 'S1', versions: '0+', nullableVersions: '0+', default: 'null', fields: [{ name: 'X', type: 'int32', versions: '0+' }] },
        { name: 'B', type: 'S2', versions: '1+', nullableVersions: '1+', default: 'null', taggedVersions: '1+', tag: 0, fields: [{ name: 'Y', type: 'int32', versions: '0+' }] },
      ],
    } as const;
    const text = renderMessage(buildModel(JSON.parse(JSON.stringify(spec)), 'NullableStructs.json'), '../primitives');
    expect(text).toContain('_a = r.readInt8() < 0 ? null : readS1(r, version);');
    expect(text).toContain('_b = $t.readUnsignedVarint() === 0 ? null : readS2($t, version);');
    expect(text).toMatch(/if \(m\.b === null\) \{\s+w\.writeUnsignedVarint\(0\);\s+\} else \{\s+w\.writeUnsignedVarint\(1\);/);
  });

  it('rejects a struct named like its message and unknown struct references', () => {
    const base = { type: 'data', name: 'X', validVersions: '0', flexibleVersions: 'none' } as const;
    expect(() => buildModel({ ...base, fields: [{ name: 'A', type: 'Y', versions: '0+' }] }, 'x')).toThrow(/unknown struct/);
    expect(() => buildModel({ ...base, fields: [{ name: 'A', type: 'X', versions: '0+', fields: [] }] }, 'x')).toThrow(/named like/);
  });
});

describe('Protocol > generated codecs > semantics', () => {
  it('applies spec defaults, including numeric-string tags and -1 defaults', () => {
    expect(initPid.defaultInitProducerIdResponse().producerId).toBe(-1n);
    expect(fetchResp.defaultPartitionData().lastStableOffset).toBe(-1n);
    expect(fetchResp.defaultNodeEndpoint().rack).toBeNull();
    const hb = { ...heartbeat.defaultBrokerHeartbeatRequest(), offlineLogDirs: ['AAAAAAAAAAAAAAAAAAAAAQ'] };
    const bytes = enc(heartbeat.sizeBrokerHeartbeatRequest, heartbeat.writeBrokerHeartbeatRequest, hb, 1);
    expect(heartbeat.readBrokerHeartbeatRequest(new Reader(bytes), 1).offlineLogDirs).toEqual(['AAAAAAAAAAAAAAAAAAAAAQ']);
  });

  it('throws UNSUPPORTED_VERSION for a non-default, non-ignorable field absent at the version', () => {
    const m = { ...produce.defaultProduceRequest(), transactionalId: 'tx' };
    let err: unknown;
    try {
      produce.sizeProduceRequest(m, 2);
      enc(produce.sizeProduceRequest, produce.writeProduceRequest, m, 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('silently drops an ignorable field absent at the version', () => {
    const m = { ...fetchResp.defaultFetchResponse(), throttleTimeMs: 100 };
    const back = fetchResp.readFetchResponse(new Reader(enc(fetchResp.sizeFetchResponse, fetchResp.writeFetchResponse, m, 0)), 0);
    expect(back.throttleTimeMs).toBe(0);
  });

  it('writes tagged fields only when they differ from the default, in tag order with unknown tags', () => {
    const part = { ...fetchResp.defaultPartitionData(), snapshotId: { endOffset: 5n, epoch: 2 } };
    const m = {
      ...fetchResp.defaultFetchableTopicResponse(),
      partitions: [{ ...part, unknownTaggedFields: [{ tag: 1000, data: Buffer.from([9]) }] }],
    };
    const w = new Writer(fetchResp.sizeFetchableTopicResponse(m, 12));
    fetchResp.writeFetchableTopicResponse(w, m, 12);
    const bytes = w.finishConcat();
    const back = fetchResp.readFetchableTopicResponse(new Reader(bytes), 12);
    expect(back.partitions[0]?.snapshotId).toEqual({ endOffset: 5n, epoch: 2 });
    expect(back.partitions[0]?.divergingEpoch).toEqual({ epoch: -1, endOffset: -1n });
    expect(back.partitions[0]?.unknownTaggedFields).toEqual([{ tag: 1000, data: Buffer.from([9]) }]);
    const def = { ...fetchResp.defaultFetchableTopicResponse(), partitions: [fetchResp.defaultPartitionData()] };
    // two tagged fields (tag 2 struct of 13 bytes + unknown tag) cost more than an empty tag section
    expect(bytes.length).toBeGreaterThan(fetchResp.sizeFetchableTopicResponse(def, 12) + 13);
  });

  it('keeps RequestHeader.ClientId as an int16-length string in header v2 (field flexibleVersions none)', () => {
    const h = { ...defaultRequestHeader(), requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'ab' };
    const w = new Writer(sizeRequestHeader(h, 2));
    writeRequestHeader(w, h, 2);
    const bytes = w.finishConcat();
    expect(bytes.toString('hex')).toBe('0012' + '0003' + '00000001' + '0002' + '6162' + '00');
    expect(readRequestHeader(new Reader(bytes), 2).clientId).toBe('ab');
  });
});
