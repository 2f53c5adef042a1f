/**
 * Hands out producer ids from blocks reserved in the metadata store (Kafka's ZkProducerIdManager):
 * ids are unique across the cluster and never reused, across restarts too, because each block
 * is reserved in the store before any of its ids is given out. Ids left in a block at shutdown
 * are skipped.
 *
 * The next block is fetched when the current one is 90% used, so a producer rarely waits for
 * the store; concurrent callers share one fetch.
 */
import type { ClusterMetadataStore, ProducerIdBlock } from '../metadata-store';

const PREFETCH_AT = 0.9;

export class ProducerIdManager {
  private current: ProducerIdBlock | null = null;
  private nextId = 0n;
  private next: ProducerIdBlock | null = null;
  private fetching: Promise<ProducerIdBlock> | null = null;

  constructor(
    private readonly brokerId: number,
    private readonly store: Pick<ClusterMetadataStore, 'allocateProducerIdBlock'>,
  ) {}

  async generateProducerId(): Promise<bigint> {
    for (;;) {
      const block = this.current;
      if (block && this.nextId < block.firstProducerId + BigInt(block.size)) {
        const id = this.nextId++;
        if (!this.next && !this.fetching && Number(this.nextId - block.firstProducerId) >= block.size * PREFETCH_AT) void this.fetch().catch(() => undefined);
        return id;
      }
      if (this.next) {
        this.use(this.next);
        this.next = null;
        continue;
      }
      this.use(await this.fetch());
      this.next = null;
    }
  }

  private use(block: ProducerIdBlock): void {
    if (this.current && block.firstProducerId === this.current.firstProducerId) return;
    this.current = block;
    this.nextId = block.firstProducerId;
  }

  private fetch(): Promise<ProducerIdBlock> {
    this.fetching ??= this.store.allocateProducerIdBlock(this.brokerId).then(
      (b) => {
        this.fetching = null;
        this.next = b;
        return b;
      },
      (e: unknown) => {
        this.fetching = null;
        throw e;
      },
    );
    return this.fetching;
  }
}
