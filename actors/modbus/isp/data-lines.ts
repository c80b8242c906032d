// DATA lines of the ISP gateway protocol, built from per-register templates
// so that encoding a point on the hot path is one template string.
import { MAX_POINTS_PER_DATA, type QualityValue } from './codec.ts';

/**
 * The constant JSON around one data point, built once per register so that
 * encoding a point on the hot path is one template string:
 *   head + timestamp + ',"value":' + value + typeQuality + quality + tail
 */
export interface PointTemplate {
  readonly head: string;
  readonly typeQuality: string;
  readonly tail: string;
}

export function pointTemplate(key: string, source: string, type: string, tags: Record<string, unknown> | undefined): PointTemplate {
  return {
    head: `{"key":${JSON.stringify(key)},"source":${JSON.stringify(source)},"timestamp":`,
    typeQuality: `,"type":${JSON.stringify(type)},"quality":`,
    tail: tags && Object.keys(tags).length > 0 ? `,"tags":${JSON.stringify(tags)}}` : '}',
  };
}

/** `valueJson` is the value already in JSON (e.g. String(n), 'null', JSON.stringify(s)). */
export function encodePoint(t: PointTemplate, tsNs: string, valueJson: string, quality: QualityValue): string {
  return `${t.head}${tsNs},"value":${valueJson}${t.typeQuality}${quality}${t.tail}`;
}

/** One DATA line (with its newline) for encoded points [start, end), at most 100 of them. */
export function encodeDataLine(points: readonly string[], start: number, end: number, tsNs: string): string {
  let body = points[start]!;
  for (let i = start + 1; i < end; i++) body += ',' + points[i];
  return `{"type":"DATA","timestamp":${tsNs},"payload":{"points":[${body}]}}\n`;
}

/** DATA lines for encoded points, one at a time, each of at most 100 points. */
export function* encodeDataLines(points: readonly string[], tsNs: string): Generator<string> {
  for (let i = 0; i < points.length; i += MAX_POINTS_PER_DATA) {
    yield encodeDataLine(points, i, Math.min(points.length, i + MAX_POINTS_PER_DATA), tsNs);
  }
}
