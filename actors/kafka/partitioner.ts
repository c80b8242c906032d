// Java-compatible key partitioning (the Java client's, and kafkajs'
// DefaultPartitioner): murmur2 of the key bytes, made positive, modulo the
// partition count. Keyless records go round-robin. Matching it means a key
// lands on the same partition whichever driver or client produced it.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils#murmur2) in 32-bit integer arithmetic. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/** Picks partitions the way the Java client's default partitioner does (without sticky batching). */
export class DefaultPartitioner {
  readonly #counters = new Map<string, number>();

  partition(topic: string, partitions: number, key: Uint8Array | null): number {
    if (key !== null) return partitionForKey(key, partitions);
    const next = ((this.#counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff)) + 1) & 0x7fffffff;
    this.#counters.set(topic, next);
    return next % partitions;
  }
}
