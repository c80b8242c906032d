// Consumer groups of the memory driver: membership, generations,
// round-robin assignment, committed offsets and per-member fetching, with
// the rules a Kafka coordinator applies (a commit from a stale generation or
// for a partition the member does not own is refused).
import type { CommitOffset, ConsumerEvents, DriverConsumer, GroupMemberOptions, TopicPartition, TopicPartitionOffset } from '../driver.ts';
import { kafkaError } from '../errors.ts';
import type { MemoryPartition } from './partition.ts';

/** What a group needs of its cluster: the topics' partitions. */
export interface GroupCluster {
  readonly topics: ReadonlyMap<string, MemoryPartition[]>;
  partitionsOf(topic: string, autoCreate: boolean): MemoryPartition[];
}

const MAX_RECORDS_PER_FETCH = 500;

const tpKey = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

export class MemoryGroup {
  readonly members: MemoryMember[] = [];
  readonly committed = new Map<string, { offset: number; metadata: string | null }>();
  generation = 0;
  #pending = false;
  #nextMember = 1;

  constructor(
    readonly id: string,
    readonly cluster: GroupCluster,
  ) {}

  newMemberId(): string {
    return `${this.id}-member-${this.#nextMember++}`;
  }

  subscribes(topic: string): boolean {
    return this.members.some((m) => m.opts.topics.includes(topic));
  }

  join(m: MemoryMember): void {
    this.members.push(m);
    this.scheduleRebalance();
  }

  leave(m: MemoryMember): void {
    const i = this.members.indexOf(m);
    if (i < 0) return;
    this.members.splice(i, 1);
    this.scheduleRebalance();
  }

  /** Members stop owning their partitions now; the new assignment follows on the next turn. */
  scheduleRebalance(): void {
    if (this.#pending) return;
    this.#pending = true;
    for (const m of this.members) m.revoke();
    setImmediate(() => this.#rebalance());
  }

  wake(topic: string): void {
    for (const m of this.members) m.wake(topic);
  }

  commit(member: MemoryMember, generation: number, offsets: CommitOffset[]): void {
    if (this.#pending || generation !== this.generation || !this.members.includes(member)) {
      throw kafkaError('KAFKA_COMMIT_FAILED', `group '${this.id}' is rebalancing or the member left; commit refused`, {
        groupId: this.id,
        type: 'REBALANCE_IN_PROGRESS',
      });
    }
    // Like a Kafka coordinator (classic protocol), partition ownership is not checked, only membership and generation.
    for (const o of offsets) this.committed.set(tpKey(o.topic, o.partition), { offset: o.offset, metadata: o.metadata ?? null });
  }

  committedOffset(topic: string, partition: number): { offset: number; metadata: string | null } | undefined {
    return this.committed.get(tpKey(topic, partition));
  }

  /** Round-robin over every subscribed topic-partition, among the members subscribed to its topic (kafkajs' default assigner). */
  #rebalance(): void {
    this.#pending = false;
    this.generation++;
    const topics = [...new Set(this.members.flatMap((m) => m.opts.topics))].filter((t) => this.cluster.topics.has(t)).sort();
    const plan = new Map<MemoryMember, TopicPartition[]>(this.members.map((m) => [m, []]));
    let turn = 0;
    for (const topic of topics) {
      const candidates = this.members.filter((m) => m.opts.topics.includes(topic));
      const count = this.cluster.topics.get(topic)!.length;
      for (let partition = 0; partition < count; partition++) {
        plan.get(candidates[turn++ % candidates.length]!)!.push({ topic, partition });
      }
    }
    for (const [m, tps] of plan) m.assign(this.generation, tps);
  }
}

/** One group member (DriverConsumer of the memory driver). */
export class MemoryMember implements DriverConsumer {
  readonly id: string;
  #generation = -1;
  #assignment: TopicPartition[] = [];
  readonly #positions = new Map<string, number>();
  readonly #paused = new Set<string>();
  #pumpScheduled = false;
  #closed = false;
  #joined: ((tps: TopicPartition[]) => void) | null = null;

  constructor(
    readonly group: MemoryGroup,
    readonly opts: GroupMemberOptions,
    readonly events: ConsumerEvents,
    readonly autoCreate: boolean,
  ) {
    this.id = group.newMemberId();
  }

  async start(): Promise<TopicPartition[]> {
    if (this.#closed) throw kafkaError('KAFKA_ERROR', 'consumer is closed', { type: 'CLOSED' });
    for (const t of this.opts.topics) this.group.cluster.partitionsOf(t, this.autoCreate);
    return new Promise((resolve) => {
      this.#joined = resolve;
      this.group.join(this);
    });
  }

  revoke(): void {
    if (this.#generation < 0) return;
    this.#positions.clear();
    this.events.revoking();
  }

  assign(generation: number, tps: TopicPartition[]): void {
    this.#generation = generation;
    this.#assignment = tps;
    this.#positions.clear();
    for (const { topic, partition } of tps) {
      const log = this.group.cluster.topics.get(topic)![partition]!;
      const committed = this.group.committedOffset(topic, partition);
      this.#positions.set(tpKey(topic, partition), committed?.offset ?? (this.opts.fromBeginning ? log.start : log.end));
    }
    this.events.assigned(tps);
    const joined = this.#joined;
    this.#joined = null;
    joined?.(tps);
    this.#schedulePump();
  }

  wake(topic: string): void {
    if (this.#assignment.some((tp) => tp.topic === topic)) this.#schedulePump();
  }

  pause(tps: TopicPartition[]): void {
    for (const tp of tps) this.#paused.add(tpKey(tp.topic, tp.partition));
  }

  resume(tps: TopicPartition[]): void {
    for (const tp of tps) this.#paused.delete(tpKey(tp.topic, tp.partition));
    this.#schedulePump();
  }

  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    const k = tpKey(topic, partition);
    if (!this.#positions.has(k)) return;
    this.#positions.set(k, offset);
    this.#schedulePump();
  }

  async commit(offsets: CommitOffset[]): Promise<void> {
    if (this.#closed) throw kafkaError('KAFKA_COMMIT_FAILED', 'consumer is closed', { type: 'CLOSED' });
    this.group.commit(this, this.#generation, offsets);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#positions.clear();
    this.group.leave(this);
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /** Delivers one fetch-sized chunk per partition, then yields to the event loop if more is waiting. */
  #pump(): void {
    let more = false;
    for (const { topic, partition } of this.#assignment) {
      if (this.#closed) return;
      const k = tpKey(topic, partition);
      const pos = this.#positions.get(k);
      if (pos === undefined || this.#paused.has(k)) continue;
      const log = this.group.cluster.topics.get(topic)![partition]!;
      if (pos >= log.end) continue;
      const batch = log.read(pos, MAX_RECORDS_PER_FETCH, this.opts.maxBytesPerPartition);
      if (batch.length === 0) continue;
      this.#positions.set(k, batch[batch.length - 1]!.offset + 1);
      this.events.records(topic, partition, batch, log.end);
      if (this.#positions.get(k)! < log.end) more = true;
    }
    if (more) this.#schedulePump();
  }
}
