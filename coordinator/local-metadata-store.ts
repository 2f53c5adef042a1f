/**
 * The embedded single-node metadata store: MemoryMetadataStore plus a JSON snapshot persisted
 * after every write, under the first log dir (`__gregor_metadata.json`, written atomically by
 * the injected MetadataFile). Plays the part ZooKeeper plays in cluster mode, behind the same
 * ClusterMetadataStore interface.
 *
 * Persisted: everything ZooKeeper keeps in persistent znodes (cluster id, topics, partition
 * states, configs, deletion marks, the controller epoch and /brokers/seqid) and the last broker
 * epoch, so epochs keep growing across restarts. Not persisted: broker registrations and the
 * controller (ephemeral: a restart starts a new session).
 *
 * Snapshot versions: 2 is written; 1 (the first release: no controller epoch, broker epoch,
 * deletion marks, reassignment sets or leader recovery state) is read and upgraded.
 */
import type { PartitionState } from './metadata-store';
import { MemoryMetadataStore, type MetadataSnapshot } from './memory-metadata-store';

/** Whole-file persistence (implemented by the broker with an atomic rename). */
export interface MetadataFile {
  /** The file's text, or null when it does not exist yet. */
  read(): Promise<string | null>;
  /** Replaces the file atomically and durably. */
  write(text: string): Promise<void>;
}

/** The snapshot of the first release. */
interface MetadataSnapshotV1 {
  version: 1;
  clusterId: string;
  topics: { name: string; topicId: string; assignment: Record<string, number[]>; configs: Record<string, string>; isInternal: boolean }[];
  partitionStates: Record<string, Omit<PartitionState, 'leaderRecoveryState'>>;
  brokerConfigs: Record<string, Record<string, string>>;
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
    this.restore(parseSnapshot(text));
  }

  protected override async afterWrite(): Promise<void> {
    await this.file.write(JSON.stringify(this.snapshot()));
  }
}

function parseSnapshot(text: string): MetadataSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`metadata snapshot is not valid JSON: ${(e as Error).message}`);
  }
  const snap = raw as Partial<MetadataSnapshot | MetadataSnapshotV1> | null;
  if (typeof snap !== 'object' || snap === null || typeof snap.clusterId !== 'string') throw new Error('metadata snapshot has no cluster id');
  if (snap.version === 1) return upgradeV1(snap as MetadataSnapshotV1);
  if (snap.version === 2) return snap as MetadataSnapshot;
  throw new Error(`metadata snapshot has unsupported version ${String(snap.version)}`);
}

/**
 * Version 1 -> 2: nothing reassigned, every partition RECOVERED, no marks, broker epochs from
 * zero; the controller epoch resumes from the highest one recorded in a partition state, so the
 * next controller is not older than the states it finds.
 */
function upgradeV1(s: MetadataSnapshotV1): MetadataSnapshot {
  const epoch = Math.max(0, ...Object.values(s.partitionStates).map((p) => p.controllerEpoch));
  return {
    version: 2,
    clusterId: s.clusterId,
    topics: s.topics.map((t) => ({ ...t, addingReplicas: {}, removingReplicas: {} })),
    partitionStates: Object.fromEntries(Object.entries(s.partitionStates).map(([k, v]) => [k, { ...v, leaderRecoveryState: 0 }])),
    brokerConfigs: s.brokerConfigs,
    topicsMarkedForDeletion: [],
    controllerEpoch: { epoch, version: epoch },
    lastBrokerEpoch: '0',
    brokerSequence: 0,
  };
}
