// Shared by the tests against the three-broker cluster of
// test/peers/kafka-cluster.sh: its addresses, a check that fails (never
// skips) when it is not running, a lock (the tests kill brokers), broker
// control and the partition leaders as the cluster's metadata shows them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { clusterPeer, clusterState, type PartitionState } from '../../peers/kafka-cluster-peer.mjs';
import { acquireDirLock } from '../../helpers/dir-lock.ts';
import { REPO } from './kafka-peer.ts';

export { clusterPeer, clusterState };
export const CLUSTER_SH = `${REPO}test/peers/kafka-cluster.sh`;
/** Bootstrap list naming all three brokers. */
export const CLUSTER_BROKERS: string[] = clusterPeer.brokers.map((b) => b.address);
const PEERS_DIR = process.env.OUTRIGGER_PEERS_DIR ?? `${REPO}.peers`;

export async function requireCluster(): Promise<void> {
  const state = await clusterState().catch((err: unknown) => ({ brokers: [] as number[], error: (err as Error).message }));
  if (state.brokers.length !== 3) {
    const why = 'error' in state ? state.error : `brokers registered: ${state.brokers.join(',') || 'none'}`;
    throw new Error(`the Kafka cluster test peer is not running (${why}) — start it with \`test/peers/kafka-cluster.sh start\``);
  }
}

/** Holds the cluster for this test file: the tests in it kill and restart brokers. */
export function lockCluster(timeoutMs = 900_000): Promise<() => void> {
  return acquireDirLock(`${PEERS_DIR}/kafka-cluster/test.lock`, timeoutMs, 'the Kafka cluster peer');
}

/**
 * Runs test/peers/kafka-cluster.sh. Async: the daemon's clients keep producing
 * on this event loop while a broker is killed or restarted.
 */
export async function clusterSh(command: 'start' | 'stop' | 'kill9' | 'restart', broker?: number): Promise<string> {
  const args = broker === undefined ? [command] : [command, String(broker)];
  const { stdout, stderr } = await promisify(execFile)(CLUSTER_SH, args, { cwd: REPO, timeout: 240_000 });
  return stdout + stderr;
}

export async function partitionState(topic: string, partition: number): Promise<PartitionState> {
  const p = (await clusterState()).partitions.find((x) => x.topic === topic && x.partition === partition);
  if (!p) throw new Error(`no metadata for ${topic}/${partition}`);
  return p;
}

/** Polls until `check` passes on the partition's state (leader moved, ISR shrank...); returns that state. */
export async function waitForPartition(topic: string, partition: number, check: (p: PartitionState) => boolean, timeoutMs = 60_000): Promise<PartitionState> {
  const until = Date.now() + timeoutMs;
  let last: PartitionState | undefined;
  while (Date.now() < until) {
    last = await partitionState(topic, partition).catch(() => last);
    if (last && check(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${topic}/${partition} never reached the expected state; last: ${JSON.stringify(last)}`);
}
