// The part of node-zookeeper-client 1.1 (plain JS, no bundled types) that zk-session.ts uses.
declare module 'node-zookeeper-client' {
  /** ZooKeeper's Stat; the 64-bit fields are 8-byte big-endian Buffers. */
  export interface Stat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }

  export interface Exception extends Error {
    code: number;
    name: string;
    path?: string;
    getCode(): number;
  }

  export interface Event {
    type: number;
    name: string;
    path: string;
  }

  export interface State {
    name: string;
    code: number;
  }

  export type Callback<T> = (error: Exception | null, result: T) => void;
  export type Watcher = (event: Event) => void;

  export interface ACLEntry {
    toRecord(): unknown;
  }

  export interface TransactionOpResult {
    type: number;
    path?: string;
    stat?: Stat;
    err?: number;
  }

  export interface Transaction {
    /** Raw ops (the helper methods turn a version 0 into -1, so ops are pushed here directly). */
    ops: unknown[];
    commit(callback: (error: Exception | null, results: TransactionOpResult[]) => void): void;
  }

  export interface ClientOptions {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
    sessionId?: Buffer;
    sessionPassword?: Buffer;
  }

  export interface Client {
    /** Internal: the connection of the moment (zk-session.ts drops a stuck one). */
    connectionManager?: { socket?: { destroy(): void; on(event: 'data', listener: () => void): void } };
    connect(): void;
    close(): void;
    on(event: 'state', listener: (state: State) => void): this;
    removeListener(event: 'state', listener: (state: State) => void): this;
    getState(): State;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    getSessionTimeout(): number;
    create(path: string, data: Buffer | null, mode: number, callback: Callback<string>): void;
    remove(path: string, version: number, callback: (error: Exception | null) => void): void;
    setData(path: string, data: Buffer | null, version: number, callback: Callback<Stat>): void;
    getData(path: string, watcher: Watcher | undefined, callback: (error: Exception | null, data: Buffer | undefined, stat: Stat) => void): void;
    exists(path: string, watcher: Watcher | undefined, callback: Callback<Stat | null>): void;
    getChildren(path: string, watcher: Watcher | undefined, callback: (error: Exception | null, children: string[], stat: Stat) => void): void;
    mkdirp(path: string, callback: Callback<string>): void;
    transaction(): Transaction;
  }

  export function createClient(connectionString: string, options?: ClientOptions): Client;

  export const ACL: { OPEN_ACL_UNSAFE: ACLEntry[] };
  export const CreateMode: { PERSISTENT: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL: number; EPHEMERAL_SEQUENTIAL: number };
  export const Event: { NODE_CREATED: number; NODE_DELETED: number; NODE_DATA_CHANGED: number; NODE_CHILDREN_CHANGED: number };
  export const Exception: {
    OK: number;
    CONNECTION_LOSS: number;
    NO_NODE: number;
    BAD_VERSION: number;
    NODE_EXISTS: number;
    NOT_EMPTY: number;
    SESSION_EXPIRED: number;
    RUNTIME_INCONSISTENCY: number;
  };
}
