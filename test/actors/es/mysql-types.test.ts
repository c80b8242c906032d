// The JSON form each MySQL column type takes on its way to the cluster, for
// the values where it changes. Canal itself changes a column's sqlType with
// the value for unsigned integers past the signed range (an unsigned BIGINT at
// or above 2^63 arrives typed DECIMAL), so each case gives the sqlType Canal
// sends for that value. docs/es-pipeline.md's mapping advice is this table.
import { describe, expect, it } from 'vitest';
import { columnConverters, typedRow, type Cell } from '../../../actors/es/mysql-types.ts';

/** [mysqlType, sqlType Canal sends for this value, Canal's string, JSON value sent to the cluster] */
type Case = [string, number, string, Cell];

const cases: Record<string, Case[]> = {
  'bigint unsigned: a number below 2^53, a string above, typed DECIMAL at or above 2^63': [
    ['bigint(20) unsigned', -5, '42', 42],
    ['bigint(20) unsigned', -5, '9007199254740991', 9007199254740991],
    ['bigint(20) unsigned', -5, '9007199254740993', '9007199254740993'],
    ['bigint(20) unsigned', -5, '9223372036854775807', '9223372036854775807'],
    ['bigint(20) unsigned', 3, '9223372036854775808', '9223372036854775808'],
    ['bigint(20) unsigned', 3, '18446744073709551615', '18446744073709551615'],
  ],
  'bigint: a number within ±2^53, a string beyond': [
    ['bigint(20)', -5, '-9007199254740991', -9007199254740991],
    ['bigint(20)', -5, '-9223372036854775808', '-9223372036854775808'],
  ],
  'int unsigned: always a number (Canal moves values past 2^31 to BIGINT)': [
    ['int(10) unsigned', 4, '7', 7],
    ['int(10) unsigned', -5, '4294967295', 4294967295],
  ],
  'tinyint(1): a boolean for 0 and 1, a number otherwise': [
    ['tinyint(1)', -6, '1', true],
    ['tinyint(1)', -6, '0', false],
    ['tinyint(1)', -6, '2', 2],
    ['tinyint(1)', -6, '-1', -1],
    ['tinyint(1) unsigned', 5, '200', 200],
  ],
  'bit(1) is a boolean; bit(n) a number (a string past 2^53)': [
    ['bit(1)', -7, '1', true],
    ['bit(8)', -7, '1', 1],
    ['bit(8)', -7, '0', 0],
    ['bit(64)', -7, '18446744073709551615', '18446744073709551615'],
  ],
  'float and double: JSON numbers, written without a fraction when integral': [
    ['float', 7, '5.0', 5],
    ['float', 7, '5.5', 5.5],
    ['double', 8, '1.0E10', 1e10],
  ],
  'decimal: always an exact string': [
    ['decimal(10,2)', 3, '19.90', '19.90'],
    ['decimal(30,0)', 3, '123456789012345678901234567890', '123456789012345678901234567890'],
  ],
  'datetime: ISO local time, zero dates included': [
    ['datetime', 93, '2020-02-02 02:02:02', '2020-02-02T02:02:02'],
    ['datetime(6)', 93, '2020-02-02 02:02:02.123456', '2020-02-02T02:02:02.123456'],
    ['datetime', 93, '0000-00-00 00:00:00', '0000-00-00T00:00:00'],
    ['date', 91, '0000-00-00', '0000-00-00'],
  ],
};

describe('JSON form of MySQL values', () => {
  for (const [name, list] of Object.entries(cases)) {
    it(name, () => {
      for (const [mysqlType, sqlType, raw, want] of list) {
        const row = typedRow({ c: raw }, columnConverters({ c: sqlType }, { c: mysqlType }));
        expect({ mysqlType, raw, value: row.c }).toEqual({ mysqlType, raw, value: want });
      }
    });
  }
});
