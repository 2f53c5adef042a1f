import { BROKER_CONFIG_DEFS } from '../../broker/config/config-defs';
import { BROKER_CONFIG_DOCS, configDocumentation } from '../../broker/config/config-docs';
import { TOPIC_CONFIG_DEFS, TOPIC_SYNONYMS } from '../../coordinator/topic-config';
import { TOPIC_CONFIG_DOCS } from '../../coordinator/topic-config-docs';

describe('Broker > config docs', () => {
  it('documents every topic config key, and no other key', () => {
    const keys = TOPIC_CONFIG_DEFS.map((d) => d.key);
    for (const k of keys) expect([k, (TOPIC_CONFIG_DOCS[k] ?? '').trim().length > 0]).toEqual([k, true]);
    expect(Object.keys(TOPIC_CONFIG_DOCS).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('documents every broker config key, and no other key', () => {
    const keys = BROKER_CONFIG_DEFS.map((d) => d.key);
    for (const k of keys) expect([k, (BROKER_CONFIG_DOCS[k] ?? '').trim().length > 0]).toEqual([k, true]);
    expect(Object.keys(BROKER_CONFIG_DOCS).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('says that Gregor accepts ignored broker keys without effect', () => {
    for (const d of BROKER_CONFIG_DEFS.filter((c) => c.ignored)) {
      expect([d.key, BROKER_CONFIG_DOCS[d.key]?.includes('Gregor accepts') ?? false]).toEqual([d.key, true]);
    }
    for (const d of BROKER_CONFIG_DEFS.filter((c) => !c.ignored)) {
      expect([d.key, BROKER_CONFIG_DOCS[d.key]?.includes('no effect') ?? false]).toEqual([d.key, false]);
    }
  });

  it('says of topic keys Gregor does not act on that they have no effect, and only of those', () => {
    for (const d of TOPIC_CONFIG_DEFS) expect([d.key, TOPIC_CONFIG_DOCS[d.key]?.includes('no effect') ?? false]).toEqual([d.key, d.ignored === true]);
  });

  it('reuses the topic text for server-wide defaults of topic configs', () => {
    expect(BROKER_CONFIG_DOCS['log.retention.bytes']).toBe(
      `Server-wide default of the topic config retention.bytes, used by every topic that does not set it. ${TOPIC_CONFIG_DOCS['retention.bytes']}`,
    );
    expect(BROKER_CONFIG_DOCS['log.retention.ms']).toContain(TOPIC_CONFIG_DOCS['retention.ms']!);
    expect(BROKER_CONFIG_DOCS['log.retention.ms']).toContain('(when this key is unset, log.retention.minutes, or else log.retention.hours, applies instead)');
    // Keys in other units (hours) have text of their own.
    expect(BROKER_CONFIG_DOCS['log.retention.hours']).not.toContain(TOPIC_CONFIG_DOCS['retention.ms']!);
    for (const [topicKey, syns] of Object.entries(TOPIC_SYNONYMS)) {
      for (const s of syns) if (BROKER_CONFIG_DEFS.some((d) => d.key === s.key)) expect(BROKER_CONFIG_DOCS[s.key]).toBeDefined();
      expect(TOPIC_CONFIG_DOCS[topicKey]).toBeDefined();
    }
  });

  it('looks documentation up by resource type, with null for unknown keys', () => {
    expect(configDocumentation('topic', 'retention.ms')).toBe(TOPIC_CONFIG_DOCS['retention.ms']);
    expect(configDocumentation('broker', 'log.retention.ms')).toBe(BROKER_CONFIG_DOCS['log.retention.ms']);
    expect(configDocumentation('broker', 'num.io.threads')).toContain('no effect');
    expect(configDocumentation('topic', 'no.such.key')).toBeNull();
    expect(configDocumentation('broker', 'no.such.key')).toBeNull();
    expect(configDocumentation('topic', 'log.retention.ms')).toBeNull(); // a broker key, not a topic one
    expect(configDocumentation('broker', 'retention.ms')).toBeNull(); // a topic key, not a broker one
    expect(configDocumentation('topic', 'constructor')).toBeNull();
    expect(configDocumentation('broker', 'toString')).toBeNull();
  });

  it('keeps each entry short: one to three sentences, no leftover placeholders', () => {
    for (const [k, doc] of [...Object.entries(TOPIC_CONFIG_DOCS), ...Object.entries(BROKER_CONFIG_DOCS)]) {
      expect([k, /undefined|\s{2}|^\s|\s$/.test(doc)]).toEqual([k, false]);
      expect([k, /[.)]$/.test(doc)]).toEqual([k, true]);
    }
    // Sentence ends: a period followed by a space and a capital letter, quote or minus sign.
    const sentences = (doc: string): number => doc.split(/\.\s+(?=[A-Z"-])/).length;
    for (const [k, doc] of Object.entries(TOPIC_CONFIG_DOCS)) expect([k, sentences(doc) <= 3]).toEqual([k, true]);
    const REUSE = /^Server-wide default of the topic config [a-z.]+, used by every topic that does not set it( \([^)]*\))?\. /;
    for (const [k, doc] of Object.entries(BROKER_CONFIG_DOCS)) {
      // A reused topic text gets one sentence of its own in front of it.
      const own = doc.replace(REUSE, '');
      expect([k, own !== doc ? Object.values(TOPIC_CONFIG_DOCS).includes(own) : sentences(doc) <= 3]).toEqual([k, true]);
    }
  });
});
