/**
 * Test helper: the message models built from the pinned specs, and the generated module of each.
 * Fails loudly when the spec folder is missing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadSpec } from '../../protocol/gen/spec';
import { MessageModel, buildModel, kebabCase } from '../../protocol/gen/model';
import { DEFAULT_SPECS_DIR } from '../../protocol/gen/main';
import type { MessageCodec } from '../../protocol/generated/api-keys';

export const SPECS_DIR = process.env.GREGOR_KAFKA_SPECS ?? DEFAULT_SPECS_DIR;

function specFiles(sub: string): string[] {
  const dir = path.join(SPECS_DIR, sub);
  if (!fs.existsSync(dir)) {
    throw new Error(`Kafka message specs not found at ${dir}; set GREGOR_KAFKA_SPECS to the kafka-protocol folder`);
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

export interface LoadedMessage {
  model: MessageModel;
  codec: MessageCodec;
  /** The generated module (exports read/size/write/default for every struct). */
  module: Record<string, unknown>;
}

function load(sub: string, genSub: string): LoadedMessage[] {
  return specFiles(sub).map((f) => {
    const model = buildModel(loadSpec(path.join(SPECS_DIR, sub, f)), f);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(`../../protocol/generated/${genSub}${kebabCase(model.name)}`) as Record<string, unknown>;
    const codec = {
      read: module[`read${model.name}`],
      size: module[`size${model.name}`],
      write: module[`write${model.name}`],
      create: module[`default${model.name}`],
    } as MessageCodec;
    return { model, codec, module };
  });
}

let cache: LoadedMessage[] | undefined;

/** Every message of messages/ and internal-topics/. */
export function allMessages(): LoadedMessage[] {
  cache ??= [...load('messages', ''), ...load('internal-topics', 'internal/')];
  return cache;
}

export function versionsOf(m: MessageModel): number[] {
  const out: number[] = [];
  for (let v = m.valid.min; v <= m.valid.max; v++) out.push(v);
  return out;
}
