// The controller's channel: per-broker order, retry until answered, rejection on removal.
import { ApiKey } from '../../protocol/generated/api-keys';
import { defaultUpdateMetadataRequest } from '../../protocol/generated/update-metadata-request';
import { BrokerRemovedError } from '../../coordinator/controller/controller-channel';
import { ControllerChannelManager } from '../../broker/cluster/controller-channel-manager';
import { createLogger } from '../../broker/logger';
import { ManualClock } from '../storage/helpers';

const log = createLogger({ level: 'silent' });
const self = { brokerId: 1, brokerEpoch: 1n, rack: null, endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 1 }] };

const flush = () => new Promise((r) => setImmediate(r));

describe('Broker > controller channel', () => {
  it('delivers one broker its requests one at a time, in order, retrying a failed one until it is answered', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    let inFlight = 0;
    let failNext = 2;
    const channel = new ControllerChannelManager({
      localBrokerId: 1,
      local: async (apiKey, _v, body) => {
        expect(apiKey).toBe(ApiKey.UpdateMetadata);
        expect(++inFlight).toBe(1);
        await flush();
        inFlight--;
        if (failNext-- > 0) throw new Error('connection refused');
        seen.push((body as { controllerEpoch: number }).controllerEpoch);
        return { errorCode: 0 };
      },
      interBrokerListenerName: 'PLAINTEXT',
      requestTimeoutMs: 1000,
      retryBackoffMs: 100,
      clock,
      log,
    });
    channel.addBroker(self);
    const answers = [1, 2, 3].map((e) => channel.sendUpdateMetadata(1, { ...defaultUpdateMetadataRequest(), controllerEpoch: e }));
    for (let i = 0; i < 10; i++) {
      await flush();
      clock.advance(100);
    }
    await Promise.all(answers);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('rejects what is queued for a broker once it is removed, and anything sent to an unknown broker', async () => {
    const clock = new ManualClock();
    const channel = new ControllerChannelManager({
      localBrokerId: 1,
      local: () => Promise.reject(new Error('down')),
      interBrokerListenerName: 'PLAINTEXT',
      requestTimeoutMs: 1000,
      retryBackoffMs: 100,
      clock,
      log,
    });
    channel.addBroker(self);
    const pending = channel.sendUpdateMetadata(1, defaultUpdateMetadataRequest());
    await flush();
    channel.removeBroker(1);
    await expect(pending).rejects.toBeInstanceOf(BrokerRemovedError);
    await expect(channel.sendUpdateMetadata(7, defaultUpdateMetadataRequest())).rejects.toBeInstanceOf(BrokerRemovedError);
  });
});
