import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DefaultPartitioner, murmur2, partitionForKey } from '../../../actors/kafka/partitioner.ts';

// kafkajs' own murmur2 (a port of the Java client's) is the reference.
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

describe('partitioner', () => {
  it('murmur2 matches kafkajs (Java client) for keys of every tail length, seeded', () => {
    let seed = 7;
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) & 0xffff) / 0x10000;
    for (let n = 0; n < 2000; n++) {
      const key = Buffer.alloc(Math.floor(rand() * 40));
      for (let i = 0; i < key.length; i++) key[i] = Math.floor(rand() * 256);
      expect(murmur2(key), key.toString('hex')).toBe(kafkajsMurmur2(key));
    }
  });

  it('matches known Java values', () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from([0x61, 0x62, 0x63]))).toBe(479470107);
  });

  it('keeps a key on one partition and spreads keyless records round-robin', () => {
    const p = new DefaultPartitioner();
    const key = Buffer.from('user-42');
    expect(p.partition('t', 6, key)).toBe(partitionForKey(key, 6));
    const seen = new Set<number>();
    for (let i = 0; i < 6; i++) seen.add(p.partition('t', 6, null));
    expect(seen.size).toBe(6);
  });
});
