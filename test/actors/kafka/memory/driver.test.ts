import { memoryDriver } from '../../../../actors/kafka/memory/driver.ts';
import { driverContract } from '../driver-contract.ts';

// Topic and group names are unique per case, so the cases can share one in-process cluster.
driverContract('memory', () => ({
  driver: memoryDriver,
  connection: { brokers: ['memory-contract:9092'] },
  settleMs: 2000,
}));
