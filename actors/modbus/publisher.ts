import { encodeDataLines, MAX_POINTS_PER_DATA } from '../../runtime/codec/isp.ts';
import type { DataEvent } from './events.ts';

/**
 * Collects the DATA lines of every device that finished a poll in this
 * event-loop turn and posts them to the main thread as one message: the main
 * thread then does one write per gateway per turn, whatever the device count.
 */
export class DataPublisher {
  #chunks: string[] = [];
  #points = 0;
  #messages = 0;
  #scheduled = false;

  constructor(readonly publish: (event: DataEvent) => void) {}

  add(_device: string, points: string[], tsNs: string): void {
    if (points.length === 0) return;
    this.#chunks.push(encodeDataLines(points, tsNs));
    this.#points += points.length;
    this.#messages += Math.ceil(points.length / MAX_POINTS_PER_DATA);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#chunks.length === 0) return;
    const lines = Buffer.from(this.#chunks.length === 1 ? this.#chunks[0]! : this.#chunks.join(''));
    const event: DataEvent = { lines, points: this.#points, messages: this.#messages };
    this.#chunks = [];
    this.#points = 0;
    this.#messages = 0;
    this.publish(event);
  };
}
