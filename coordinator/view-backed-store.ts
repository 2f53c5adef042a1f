/**
 * What the memory (and embedded) store and the ZooKeeper store share: the synchronous reads of
 * ClusterMetadataStore, answered from their MetadataView, and the listeners their changes are
 * announced to. Subclasses own the writes and call `emit` once the view shows a change.
 */
import type { BrokerRegistration, MetadataEvent, TopicMetadata } from './metadata-store';
import { MetadataView } from './metadata-view';

export abstract class ViewBackedStore {
  protected readonly view = new MetadataView();
  private readonly listeners = new Set<(e: MetadataEvent) => void>();

  clusterId(): string {
    return this.view.clusterId;
  }
  liveBrokers(): readonly BrokerRegistration[] {
    return this.view.liveBrokers();
  }
  controllerId(): number {
    return this.view.controllerId();
  }
  topics(): readonly TopicMetadata[] {
    return this.view.topics();
  }
  topic(name: string): TopicMetadata | undefined {
    return this.view.topic(name);
  }
  topicById(topicId: string): TopicMetadata | undefined {
    return this.view.topicById(topicId);
  }
  topicsMarkedForDeletion(): readonly string[] {
    return this.view.topicsMarkedForDeletion();
  }
  brokerConfigs(brokerId: number | null): Readonly<Record<string, string>> {
    return this.view.brokerConfigs(brokerId);
  }

  onChange(listener: (e: MetadataEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Announces `events` to every listener, in order. */
  protected emit(events: readonly MetadataEvent[]): void {
    for (const e of events) for (const l of this.listeners) l(e);
  }
}
