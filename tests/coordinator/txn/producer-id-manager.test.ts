import { MemoryMetadataStore } from '../../../coordinator/memory-metadata-store';
import { ProducerIdManager } from '../../../coordinator/txn/producer-id-manager';

describe('ProducerIdManager', () => {
  it('gives ids in order from its block, prefetches the next one, and never repeats an id', async () => {
    const store = new MemoryMetadataStore();
    const calls: number[] = [];
    const counting = { allocateProducerIdBlock: (id: number) => (calls.push(id), store.allocateProducerIdBlock(id)) };
    const m = new ProducerIdManager(7, counting);
    const ids: bigint[] = [];
    for (let i = 0; i < 899; i++) ids.push(await m.generateProducerId());
    expect(calls).toEqual([7]);
    ids.push(await m.generateProducerId()); // the 900th id starts the prefetch
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([7, 7]);
    for (let i = 0; i < 1200; i++) ids.push(await m.generateProducerId());
    expect(ids.slice(0, 3)).toEqual([0n, 1n, 2n]);
    expect(ids[1000]).toBe(1000n);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('serves concurrent callers from one fetch', async () => {
    const store = new MemoryMetadataStore();
    let calls = 0;
    const m = new ProducerIdManager(1, { allocateProducerIdBlock: (id) => (calls++, store.allocateProducerIdBlock(id)) });
    const ids = await Promise.all([...Array(50).keys()].map(() => m.generateProducerId()));
    expect(calls).toBe(1);
    expect(new Set(ids).size).toBe(50);
  });

  it('two brokers on one store never share an id', async () => {
    const store = new MemoryMetadataStore();
    const a = new ProducerIdManager(1, store);
    const b = new ProducerIdManager(2, store);
    const ids = await Promise.all([...Array(3000).keys()].map((i) => (i % 2 ? a : b).generateProducerId()));
    expect(new Set(ids).size).toBe(3000);
  });

  it('surfaces a store failure and recovers on the next call', async () => {
    const store = new MemoryMetadataStore();
    let fail = true;
    const m = new ProducerIdManager(1, { allocateProducerIdBlock: (id) => (fail ? Promise.reject(new Error('store down')) : store.allocateProducerIdBlock(id)) });
    await expect(m.generateProducerId()).rejects.toThrow('store down');
    fail = false;
    expect(await m.generateProducerId()).toBe(0n);
  });
});
