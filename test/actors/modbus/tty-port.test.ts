import { describe, expect, it } from 'vitest';
import { expectedResponseLength, sttyArgs } from '../../../actors/modbus/tty-port.ts';

describe('serial RTU line settings and framing', () => {
  it('builds raw-line stty arguments for every parity and frame size', () => {
    expect(sttyArgs('/dev/ttyUSB0', { baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'none' })).toEqual([
      '-F', '/dev/ttyUSB0', '9600', 'cs8', '-cstopb', '-parenb', 'raw', '-echo', '-ixon', '-ixoff', '-crtscts', 'clocal', 'cread',
    ]);
    expect(sttyArgs('/dev/x', { baudRate: 19200, dataBits: 7, stopBits: 2, parity: 'even' }).slice(2, 7)).toEqual(['19200', 'cs7', 'cstopb', 'parenb', '-parodd']);
    expect(sttyArgs('/dev/x', { baudRate: 19200, dataBits: 8, stopBits: 1, parity: 'odd' }).slice(5, 7)).toEqual(['parenb', 'parodd']);
  });

  it('knows the answer length of every read and write request', () => {
    const req = (fn: number, qty: number) => Buffer.from([1, fn, 0, 0, qty >> 8, qty & 0xff, 0, 0]);
    expect(expectedResponseLength(req(3, 125))).toBe(255);
    expect(expectedResponseLength(req(4, 1))).toBe(7);
    expect(expectedResponseLength(req(1, 9))).toBe(7);
    expect(expectedResponseLength(req(2, 2000))).toBe(255);
    for (const fn of [5, 6, 15, 16]) expect(expectedResponseLength(req(fn, 3))).toBe(8);
    expect(expectedResponseLength(req(43, 0))).toBe(0);
  });
});
