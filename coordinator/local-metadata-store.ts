/**
 * The embedded single-node metadata store: MemoryMetadataStore plus a JSON snapshot persisted
 * after every write, under the first log dir (`__gregor_metadata.json`, written atomically by
 * the injected MetadataFile). Plays the part ZooKeeper plays in cluster mode, behind the same
 * ClusterMetadataStore interface.
 */
import { MemoryMetadataStore, type MetadataSnapshot } from './memory-metadata-store';

/** Whole-file persistence (implemented by the broker with an atomic rename). */
export interface MetadataFile {
  /** The file's text, or null when it does not exist yet. */
  read(): Promise<string | null>;
  /** Replaces the file atomically and durably. */
  write(text: string): Promise<void>;
}

export class LocalMetadataStore extends MemoryMetadataStore {
  constructor(private readonly file: MetadataFile) {
    super();
  }

  override async start(): Promise<void> {
    const text = await this.file.read();
    if (text === null) {
      await this.file.write(JSON.stringify(this.snapshot()));
      return;
    }
    let snap: MetadataSnapshot;
    try {
      snap = JSON.parse(text) as MetadataSnapshot;
    } catch (e) {
      throw new Error(`metadata snapshot is not valid JSON: ${(e as Error).message}`);
    }
    if (snap.version !== 1 || typeof snap.clusterId !== 'string') throw new Error(`metadata snapshot has unsupported version ${String(snap.version)}`);
    this.restore(snap);
  }

  protected override async afterWrite(): Promise<void> {
    await this.file.write(JSON.stringify(this.snapshot()));
  }
}
