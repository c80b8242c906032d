import type { ClusterConfig } from './config.ts';
import { CircuitBreaker } from '../../runtime/resilience/circuit-breaker.ts';
import { isRetryableRequestError } from './bulk-result.ts';
import type { ClusterRequestError } from './cluster.ts';

const breakers = new Map<string, CircuitBreaker>();

/**
 * One breaker per cluster (pipelines writing to the same nodes share it), so
 * a cluster that is down is probed by one trial bulk at a time instead of by
 * every pipeline's retries. Only cluster-level failures count: a request the
 * cluster refused for its content (400, 413) says nothing about its health.
 */
export function breakerForCluster(cluster: ClusterConfig): CircuitBreaker {
  const key = `${cluster.type} ${cluster.nodes.join(',')}`;
  let breaker = breakers.get(key);
  if (!breaker) {
    breaker = new CircuitBreaker({
      name: `es cluster ${cluster.nodes.join(',')}`,
      failureThreshold: cluster.breaker.failureThreshold,
      resetTimeoutMs: cluster.breaker.resetTimeoutMs,
      isFailure: (err) => isRetryableRequestError((err as ClusterRequestError).status),
    });
    breakers.set(key, breaker);
  }
  return breaker;
}
