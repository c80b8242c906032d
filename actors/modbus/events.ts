// What the Modbus actor publishes to the main thread (daemon.events).

/** Polled points, already encoded as ISP DATA lines (at most 100 points per line). */
export const DATA_TOPIC = 'modbus.data';
/** A device was configured or removed (the ISP listener keeps its device list from these). */
export const DEVICE_TOPIC = 'modbus.device';

export interface DataEvent {
  /** UTF-8 ISP DATA lines, each ending in "\n". Arrives on the main thread as a Uint8Array copy. */
  lines: Uint8Array;
  points: number;
  messages: number;
}

export interface DeviceEvent {
  device: string;
  event: 'configured' | 'removed';
  /** The worker that holds the device (a restarted worker gets its devices back). */
  worker: number;
  /** 'configured': the device params as given, to configure it again on a restarted worker. */
  config?: Record<string, unknown>;
  /** 'configured': declared in the config file (the feature configures those itself). */
  static?: boolean;
}
