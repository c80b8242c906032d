// Node's Buffer has fast latin1/utf8 slice and write methods that @types/node
// does not declare; they skip toString's encoding lookup on the hot path.
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    utf8Slice(start?: number, end?: number): string;
    latin1Write(str: string, offset?: number, length?: number): number;
  }
}
export {};
