/**
 * The subscribed-topics prefix of the "consumer" protocol's subscription metadata
 * (ConsumerProtocolSubscription: int16 version, then [string] topics, all versions 0-3 start so).
 * The coordinator only needs the topics, for OffsetDelete (GROUP_SUBSCRIBED_TO_TOPIC) and
 * offset expiry of stable groups.
 */

/** The topic list, or null if the bytes are not a readable subscription. */
export function parseSubscriptionTopics(metadata: Buffer): string[] | null {
  try {
    let pos = 0;
    if (metadata.length < 6) return null;
    const version = metadata.readInt16BE(pos);
    pos += 2;
    if (version < 0) return null;
    const count = metadata.readInt32BE(pos);
    pos += 4;
    if (count < 0 || count * 2 > metadata.length - pos) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) {
      const len = metadata.readInt16BE(pos);
      pos += 2;
      if (len < 0 || pos + len > metadata.length) return null;
      topics.push(metadata.toString('utf8', pos, pos + len));
      pos += len;
    }
    return topics;
  } catch {
    return null;
  }
}

/** Encodes a v0 subscription (tests and benches build member metadata with it). */
export function encodeSubscription(topics: readonly string[], userData: Buffer | null = null): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(6);
  head.writeInt16BE(0, 0);
  head.writeInt32BE(topics.length, 2);
  parts.push(head);
  for (const t of topics) {
    const b = Buffer.from(t, 'utf8');
    const len = Buffer.alloc(2);
    len.writeInt16BE(b.length, 0);
    parts.push(len, b);
  }
  const ud = Buffer.alloc(4);
  ud.writeInt32BE(userData === null ? -1 : userData.length, 0);
  parts.push(ud);
  if (userData) parts.push(userData);
  return Buffer.concat(parts);
}
