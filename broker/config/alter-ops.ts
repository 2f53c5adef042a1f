/**
 * The request-level checks of AlterConfigs and IncrementalAlterConfigs (Kafka 3.9's
 * ConfigAdminManager.preprocess) and the application of incremental operations to a stored
 * config set (its prepareIncrementalConfigs).
 *
 * Order per resource, as Kafka's: a resource listed twice fails every listing; then duplicate
 * keys, then null values, then the resource type's own checks. All are INVALID_REQUEST.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors';
import type { ConfigDef } from '../../coordinator/topic-config';

export enum AlterOp {
  SET = 0,
  DELETE = 1,
  APPEND = 2,
  SUBTRACT = 3,
}

export interface AlterOpEntry {
  name: string;
  value: string | null;
  op: AlterOp;
}

/** Indexes of the resources (type, name) listed more than once in one request. */
export function repeatedResources(resources: readonly { resourceType: number; resourceName: string }[]): Set<number> {
  const firstAt = new Map<string, number>();
  const repeated = new Set<number>();
  resources.forEach((r, i) => {
    const id = `${r.resourceType}\u0000${r.resourceName}`;
    const first = firstAt.get(id);
    if (first === undefined) firstAt.set(id, i);
    else repeated.add(first).add(i);
  });
  return repeated;
}

export const REPEATED_RESOURCE_MESSAGE = 'Each resource must appear at most once.';

/**
 * Duplicate keys, then null values (a null is allowed only for an incremental DELETE), then
 * unknown operations. Throws KafkaError(INVALID_REQUEST).
 */
export function checkEntries(entries: readonly AlterOpEntry[], incremental: boolean): void {
  const names = new Set(entries.map((e) => e.name));
  if (names.size !== entries.length) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const nulls = entries.filter((e) => e.value === null && (!incremental || e.op !== AlterOp.DELETE)).map((e) => e.name);
  if (nulls.length > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
  const unknownOp = entries.find((e) => !(e.op in AlterOp));
  if (incremental && unknownOp) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown operations type ${unknownOp.op}`);
}

/**
 * Java's Integer.parseInt of a broker resource name; throws INVALID_REQUEST with `what` ("Broker
 * id" for DescribeConfigs, "Node id" for the alter APIs) when it is not an int.
 */
export function parseBrokerId(name: string, what: 'Broker id' | 'Node id'): number {
  const n = /^[+-]?\d+$/.test(name) ? Number(name) : NaN;
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new KafkaError(ErrorCode.INVALID_REQUEST, `${what} must be an integer, but it is: ${name}`);
  return n;
}

/**
 * Applies incremental operations to `base` (mutated and returned). SET and DELETE take any key
 * (the caller validates names); APPEND and SUBTRACT need a list key, starting from Kafka's default
 * of the key when `base` does not hold it (not from a broker-level value, as in Kafka).
 */
export function applyOps(base: Record<string, string>, entries: readonly AlterOpEntry[], defOf: (k: string) => ConfigDef | undefined): Record<string, string> {
  for (const e of entries) {
    if (e.op === AlterOp.SET) {
      base[e.name] = e.value!;
      continue;
    }
    if (e.op === AlterOp.DELETE) {
      delete base[e.name];
      continue;
    }
    const verb = e.op === AlterOp.APPEND ? 'append' : 'subtract';
    const def = defOf(e.name);
    if (!def) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown config name: ${e.name}`);
    if (def.type !== 'list') throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${e.name}`);
    const items = (base[e.name] ?? def.default ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const values = (e.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const next = e.op === AlterOp.APPEND ? [...items, ...values.filter((v) => !items.includes(v))] : items.filter((i) => !values.includes(i));
    base[e.name] = next.join(',');
  }
  return base;
}
