/** Request/response header version selection and whole-frame encode/decode. */
import {
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  peekCorrelationId,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../protocol/header';
import { ApiKey, API_INFOS, apiInfo } from '../../protocol/generated/api-keys';
import { defaultApiVersionsResponse } from '../../protocol/generated/api-versions-response';
import { defaultMetadataRequest, MetadataRequest } from '../../protocol/generated/metadata-request';
import { defaultProduceRequest } from '../../protocol/generated/produce-request';
import { ProtocolDecodeError } from '../../protocol/errors';

const hex = (h: string): Buffer => Buffer.from(h.replace(/ /g, ''), 'hex');

describe('Protocol > headers', () => {
  it('selects request header v0/v1/v2 from the API flexible versions', () => {
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 0)).toBe(0);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 1)).toBe(1);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 3)).toBe(2);
    expect(requestHeaderVersion(ApiKey.Produce, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKey.Produce, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKey.Metadata, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKey.SaslHandshake, 1)).toBe(1);
    // versions above the highest known are judged by the open flexible range (as Kafka does)
    expect(requestHeaderVersion(ApiKey.ApiVersions, 7)).toBe(2);
  });

  it('selects response header v0/v1, with ApiVersions always v0', () => {
    expect(responseHeaderVersion(ApiKey.ApiVersions, 4)).toBe(0);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 0)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Fetch, 11)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Fetch, 12)).toBe(1);
  });

  it('decodes a request header v1 and v2 and positions the body reader', () => {
    // Metadata v1: key 3, version 1, correlation 7, client "ab", body: topics null (-1)
    const v1 = hex('0003 0001 00000007 0002 6162 ffffffff');
    const h1 = decodeRequestHeader(v1);
    expect(h1).toMatchObject({ apiKey: 3, apiVersion: 1, correlationId: 7, clientId: 'ab', headerVersion: 1, headerSize: 12 });
    expect((decodeRequestBody(h1) as MetadataRequest).topics).toBeNull();
    // ApiVersions v3: header v2 with an empty tag section, body: compact strings + tags
    const v3 = hex('0012 0003 00000009 ffff 00 04 6b6a73 02 32 00');
    const h3 = decodeRequestHeader(v3);
    expect(h3).toMatchObject({ apiKey: 18, apiVersion: 3, correlationId: 9, clientId: null, headerVersion: 2, headerSize: 11 });
    expect(decodeRequestBody(h3)).toMatchObject({ clientSoftwareName: 'kjs', clientSoftwareVersion: '2' });
  });

  it('decodes a ControlledShutdown v0 header (no client id)', () => {
    const h = decodeRequestHeader(hex('0007 0000 00000001 00000005'));
    expect(h).toMatchObject({ headerVersion: 0, clientId: null, headerSize: 8 });
    expect(decodeRequestBody(h)).toMatchObject({ brokerId: 5 });
  });

  it('throws ProtocolDecodeError for truncated headers', () => {
    expect(() => decodeRequestHeader(hex('0003 00'))).toThrow(ProtocolDecodeError);
    expect(() => decodeRequestHeader(hex('0003 0001 00000007 0005 61'))).toThrow(ProtocolDecodeError);
  });

  it('encodes request and response frames that decode back', () => {
    const req = { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 't' }] };
    const frame = Buffer.concat(encodeRequest(ApiKey.Metadata, 12, 99, 'c', req));
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    const h = decodeRequestHeader(frame.subarray(4));
    expect(h).toMatchObject({ apiKey: 3, apiVersion: 12, correlationId: 99, clientId: 'c', headerVersion: 2 });
    expect(decodeRequestBody(h)).toMatchObject({ topics: [{ name: 't' }] });

    const resp = { ...defaultApiVersionsResponse(), apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] };
    const out = Buffer.concat(encodeResponse(ApiKey.ApiVersions, 3, 5, resp));
    // response header v0: size, correlation id, then the body (error code 0)
    expect(out.subarray(0, 10)).toEqual(hex(`${(out.length - 4).toString(16).padStart(8, '0')} 00000005 0000`));
    expect(peekCorrelationId(out.subarray(4))).toBe(5);
    expect(decodeResponse(ApiKey.ApiVersions, 3, out.subarray(4)).body).toMatchObject({ apiKeys: [{ apiKey: 0, maxVersion: 11 }] });
  });

  it('keeps large records as separate chunks in a request frame', () => {
    const records = Buffer.alloc(64 * 1024, 1);
    const req = { ...defaultProduceRequest(), topicData: [{ name: 't', partitionData: [{ index: 0, records }] }] };
    const chunks = encodeRequest(ApiKey.Produce, 9, 1, null, req);
    expect(chunks).toContain(records);
  });

  it('the API table covers 88 keys with consistent metadata', () => {
    expect(API_INFOS.length).toBe(88);
    expect(API_INFOS.map((a) => a.apiKey)).toEqual([...Array(88).keys()]);
    expect(apiInfo(ApiKey.Produce)).toMatchObject({ name: 'Produce', validVersions: { min: 0, max: 11 }, flexibleVersions: { min: 9 }, listeners: ['zkBroker', 'broker'] });
    expect(apiInfo(ApiKey.ShareFetch)?.latestVersionUnstable).toBe(true);
    expect(apiInfo(ApiKey.SaslHandshake)?.flexibleVersions).toBeNull();
    expect(apiInfo(ApiKey.Fetch)?.listeners).toEqual(['zkBroker', 'broker', 'controller']);
    expect(apiInfo(1000)).toBeUndefined();
  });
});
