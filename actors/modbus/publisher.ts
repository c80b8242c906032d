import { encodeDataLines } from './isp/data-lines.ts';
import type { DataEvent } from './events.ts';

/**
 * Collects the DATA lines of every device that finished a poll in this
 * event-loop turn and posts them to the main thread as one message: the main
 * thread then does one write per gateway per turn, whatever the device count.
 * Each line goes to a Buffer at once: strings of a whole poll would be big
 * enough for V8's large-object space, which only a full GC reclaims.
 */
export class DataPublisher {
  #chunks: Buffer[] = [];
  #bytes = 0;
  #points = 0;
  #messages = 0;
  #scheduled = false;

  constructor(readonly publish: (event: DataEvent) => void) {}

  add(_device: string, points: string[], tsNs: string): void {
    if (points.length === 0) return;
    for (const text of encodeDataLines(points, tsNs)) {
      const line = Buffer.from(text);
      this.#chunks.push(line);
      this.#bytes += line.length;
      this.#messages++;
    }
    this.#points += points.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#chunks.length === 0) return;
    const lines = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#bytes);
    const event: DataEvent = { lines, points: this.#points, messages: this.#messages };
    this.#chunks = [];
    this.#bytes = 0;
    this.#points = 0;
    this.#messages = 0;
    this.publish(event);
  };
}
