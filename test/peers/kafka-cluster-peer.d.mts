// Types of kafka-cluster-peer.mjs for the TypeScript tests that import it.
export interface ClusterBroker {
  readonly id: number;
  readonly port: number;
  readonly address: string;
}

export declare const clusterPeer: {
  readonly host: string;
  readonly controller: { readonly id: number; readonly port: number };
  readonly brokers: readonly ClusterBroker[];
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
};

export declare function brokerAddress(id: number): string;

export interface PartitionState {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export declare function clusterState(opts?: { ids?: number[]; timeoutMs?: number }): Promise<{
  brokers: number[];
  partitions: PartitionState[];
}>;

export declare function notReady(ids: number[]): Promise<string[]>;
