import fs from 'fs';
import path from 'path';
import { BROKER_CONFIG_BY_KEY, BROKER_CONFIG_DEFS } from '../../broker/config/config-defs';
import { TOPIC_CONFIG_DEFS, TOPIC_SYNONYMS } from '../../coordinator/topic-config';

const README = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

/** The backquoted keys between `<!-- config-no-effect:NAME -->` and its closing marker. */
function listed(name: string): string[] {
  const m = new RegExp(`<!-- config-no-effect:${name} -->([\\s\\S]*?)<!-- /config-no-effect:${name} -->`).exec(README);
  if (!m) throw new Error(`README has no config-no-effect:${name} list`);
  return [...m[1]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]!);
}

describe('Broker > README config lists', () => {
  it('lists exactly the broker keys the table marks ignored, in table order', () => {
    expect(listed('broker')).toEqual(BROKER_CONFIG_DEFS.filter((d) => d.ignored).map((d) => d.key));
  });

  it('lists exactly the topic keys the table marks ignored, in table order', () => {
    expect(listed('topic')).toEqual(TOPIC_CONFIG_DEFS.filter((d) => d.ignored).map((d) => d.key));
  });

  it('marks the broker defaults of ignored topic keys ignored too (and only those)', () => {
    for (const d of TOPIC_CONFIG_DEFS) {
      for (const s of TOPIC_SYNONYMS[d.key] ?? []) {
        const b = BROKER_CONFIG_BY_KEY.get(s.key);
        if (b && d.ignored) expect([s.key, b.ignored === true]).toEqual([s.key, true]);
        if (b && !d.ignored) expect([s.key, b.ignored === true]).toEqual([s.key, false]);
      }
    }
  });
});
