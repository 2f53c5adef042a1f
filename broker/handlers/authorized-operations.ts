/**
 * Authorized-operation bit fields (KIP-430) as Kafka answers them with no authorizer configured:
 * every operation the resource type supports (Kafka's AclEntry.supportedOperations, packed by
 * Utils.to32BitField: bit n set for AclOperation code n). Gregor has no authorizer, so these are
 * the answers whenever a client asks for authorized operations; when it does not ask, the field
 * keeps the schema default NOT_REQUESTED (Integer.MIN_VALUE).
 */

/** Kafka's AclOperation codes (org.apache.kafka.common.acl.AclOperation). */
export enum AclOperation {
  READ = 3,
  WRITE = 4,
  CREATE = 5,
  DELETE = 6,
  ALTER = 7,
  DESCRIBE = 8,
  CLUSTER_ACTION = 9,
  DESCRIBE_CONFIGS = 10,
  ALTER_CONFIGS = 11,
  IDEMPOTENT_WRITE = 12,
}

/** The schema default of every authorizedOperations field: the client did not ask. */
export const NOT_REQUESTED_OPERATIONS = -2147483648;

/** Bit field with bit `op` set for each operation. */
export function operationsBitField(ops: readonly AclOperation[]): number {
  let bits = 0;
  for (const op of ops) bits |= 1 << op;
  return bits;
}

/** TOPIC: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (= 3576). */
export const TOPIC_OPERATIONS = operationsBitField([
  AclOperation.READ,
  AclOperation.WRITE,
  AclOperation.CREATE,
  AclOperation.DELETE,
  AclOperation.ALTER,
  AclOperation.DESCRIBE,
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
]);

/** GROUP: READ, DELETE, DESCRIBE (= 328). */
export const GROUP_OPERATIONS = operationsBitField([AclOperation.READ, AclOperation.DELETE, AclOperation.DESCRIBE]);

/** CLUSTER: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE (= 8096). */
export const CLUSTER_OPERATIONS = operationsBitField([
  AclOperation.CREATE,
  AclOperation.ALTER,
  AclOperation.DESCRIBE,
  AclOperation.CLUSTER_ACTION,
  AclOperation.DESCRIBE_CONFIGS,
  AclOperation.ALTER_CONFIGS,
  AclOperation.IDEMPOTENT_WRITE,
]);
