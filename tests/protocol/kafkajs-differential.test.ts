/**
 * Differential tests against kafkajs 2.2.4 (an independent implementation), for every API and
 * version kafkajs implements:
 * - requests: kafkajs encodes a whole request frame; we decode header and body, check the
 *   fields, and our re-encoding of what we decoded must be byte-identical;
 * - responses: we encode random responses; kafkajs's decoder must read them and every value we
 *   wrote must appear in what kafkajs decoded (a misaligned decode would produce other values).
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { ApiKey } from '../../protocol/generated/api-keys';
import { decodeRequestBody, decodeRequestHeader, encodeRequest, encodeResponse } from '../../protocol/header';
import { allMessages } from './spec-models';
import type { StructModel } from '../../protocol/gen/model';
import { contains } from '../../protocol/gen/versions';
import { InstanceArbitraries } from './arbitrary';
import { KAFKAJS_CASES } from './kafkajs-cases';

const KAFKAJS_REQUESTS = path.dirname(require.resolve('kafkajs/src/protocol/requests/index.js'));
const createRequest = require('kafkajs/src/protocol/request');

function kafkajsVersions(dir: string): number[] {
  return fs
    .readdirSync(path.join(KAFKAJS_REQUESTS, dir))
    .filter((d) => /^v\d+$/.test(d))
    .map((d) => Number(d.slice(1)))
    .sort((a, b) => a - b);
}

/** Leaf values as strings (bigint/number/boolean/string; Buffers as hex), skipping unknown tags. */
function leaves(v: unknown, out: string[] = []): string[] {
  if (v === null || v === undefined) return out;
  if (Buffer.isBuffer(v)) {
    if (v.length > 0) out.push(`hex:${v.toString('hex')}`);
    // kafkajs hands SASL auth bytes back with their int32 length prefix
    if (v.length > 4 && v.readInt32BE(0) === v.length - 4) out.push(`hex:${v.subarray(4).toString('hex')}`);
  } else if (Array.isArray(v)) {
    for (const e of v) leaves(e, out);
  } else if (typeof v === 'object') {
    for (const [k, e] of Object.entries(v as object)) if (k !== 'unknownTaggedFields') leaves(e, out);
  } else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string') {
    out.push(String(v));
  }
  return out;
}

/** Values kafkajs must see: error codes avoid 35 (kafkajs throws on UNSUPPORTED_VERSION) and records are empty. */
function sanitize(v: unknown, key = ''): unknown {
  if (key === 'records') return Buffer.alloc(0);
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map((e) => sanitize(e));
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v as object)) o[k] = sanitize(e, k);
    return o;
  }
  if (key === 'errorCode' && v === 35) return 36;
  return v;
}

/** Leaves of the fields of struct s that exist at this version (what goes on the wire). */
function wireLeaves(s: StructModel, obj: Record<string, unknown>, version: number, dropped: string[], out: string[] = []): string[] {
  for (const f of s.fields) {
    if (!contains(f.versions, version) || dropped.includes(f.prop)) continue;
    const v = obj[f.prop];
    if (f.struct === null || v === null) leaves(v, out);
    else if (Array.isArray(v)) for (const e of v) wireLeaves(f.struct, e as Record<string, unknown>, version, dropped, out);
    else wireLeaves(f.struct, v as Record<string, unknown>, version, dropped, out);
  }
  return out;
}

function missingFrom(ours: string[], theirs: string[]): string[] {
  const counts = new Map<string, number>();
  for (const t of theirs) counts.set(t, (counts.get(t) ?? 0) + 1);
  const missing: string[] = [];
  for (const o of ours) {
    const n = counts.get(o) ?? 0;
    if (n === 0) missing.push(o);
    else counts.set(o, n - 1);
  }
  return missing;
}

describe('Protocol > kafkajs differential', () => {
  const messages = new Map(allMessages().map((m) => [m.model.name, m]));

  for (const c of KAFKAJS_CASES) {
    const apiKey = (ApiKey as unknown as Record<string, number>)[c.api] as number;
    const versions = kafkajsVersions(c.dir);

    describe(`Protocol > ${c.api}`, () => {
      it.each(versions)(`v%i request encoded by kafkajs decodes with ours`, async (version) => {
        const request = require(`kafkajs/src/protocol/requests/${c.dir}/v${version}/request`)(c.args);
        expect([request.apiKey, request.apiVersion]).toEqual([apiKey, version]);
        const frame: Buffer = (await createRequest({ correlationId: 1234, clientId: 'kafkajs-diff', request })).buffer;
        expect(frame.readInt32BE(0)).toBe(frame.length - 4);
        const header = decodeRequestHeader(frame.subarray(4));
        expect(header).toMatchObject({ apiKey, apiVersion: version, correlationId: 1234, clientId: 'kafkajs-diff' });
        const body = decodeRequestBody(header);
        expect(header.body.remaining).toBe(0);
        c.check(body, version);
        const again = Buffer.concat(encodeRequest(apiKey, version, 1234, 'kafkajs-diff', body));
        expect(again.toString('hex')).toBe(frame.toString('hex'));
      });

      it.each(versions)(`v%i response encoded by us decodes with kafkajs`, async (version) => {
        const msg = messages.get(`${c.api}Response`);
        if (msg === undefined) throw new Error(`no ${c.api}Response spec`);
        const exported = require(`kafkajs/src/protocol/requests/${c.dir}/v${version}/response`);
        const { decode } = c.responseFactory ? exported(c.args) : exported;
        // no unknown tagged fields: kafkajs 2.2.4 skips a tagged field as compact bytes (size+1), a kafkajs bug
        const arb = new InstanceArbitraries(msg.model, msg.module, version, false).messageArb().map((m) => sanitize(m));
        const samples = fc.sample(arb, { numRuns: 25, seed: 42 + version });
        for (const resp of samples) {
          const frame = Buffer.concat(encodeResponse(apiKey, version, 77, resp));
          expect(frame.readInt32BE(4)).toBe(77);
          const decoded = await decode(frame.subarray(8));
          const ours = wireLeaves(msg.model.root, resp as Record<string, unknown>, version, c.responseFieldsDropped ?? []);
          const missing = missingFrom(ours, leaves(decoded));
          expect({ missing, resp }).toEqual({ missing: [], resp });
        }
      });
    });
  }

  it('Fetch v11: a kafkajs record batch passed through our zero-copy response decodes in kafkajs', async () => {
    const value = 'x'.repeat(10_000); // large enough to travel as a separate chunk
    const produce = require('kafkajs/src/protocol/requests/produce/v7/request')({
      acks: 1,
      timeout: 1000,
      compression: 0,
      topicData: [{ topic: 'orders', partitions: [{ partition: 0, messages: [{ key: 'k1', value, timestamp: 1700000000000 }] }] }],
    });
    const frame: Buffer = (await createRequest({ correlationId: 1, clientId: 'c', request: produce })).buffer;
    const req = decodeRequestBody(decodeRequestHeader(frame.subarray(4))) as any;
    const records: Buffer = req.topicData[0].partitionData[0].records;
    const fetchMsg = messages.get('FetchResponse');
    if (fetchMsg === undefined) throw new Error('no FetchResponse');
    const m = require('../../protocol/generated/fetch-response');
    const resp = {
      ...m.defaultFetchResponse(),
      responses: [
        {
          ...m.defaultFetchableTopicResponse(),
          topic: 'orders',
          partitions: [{ ...m.defaultPartitionData(), partitionIndex: 0, highWatermark: 1n, lastStableOffset: 1n, logStartOffset: 0n, records }],
        },
      ],
    };
    const chunks = encodeResponse(ApiKey.Fetch, 11, 5, resp);
    expect(chunks).toContain(records);
    const { decode } = require('kafkajs/src/protocol/requests/fetch/v11/response');
    const decoded = await decode(Buffer.concat(chunks).subarray(8));
    const p = decoded.responses[0].partitions[0];
    expect([decoded.responses[0].topicName, p.partition, p.highWatermark, p.lastStableOffset]).toEqual(['orders', 0, '1', '1']);
    expect(p.messages).toHaveLength(1);
    expect(p.messages[0].key.toString()).toBe('k1');
    expect(p.messages[0].value.toString()).toBe(value);
  });

  it('covers every API kafkajs implements', () => {
    const implemented = fs.readdirSync(KAFKAJS_REQUESTS).filter((d) => fs.statSync(path.join(KAFKAJS_REQUESTS, d)).isDirectory());
    expect(KAFKAJS_CASES.map((c) => c.dir).sort()).toEqual(implemented.sort());
  });
});
