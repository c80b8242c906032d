// The "service" half of the shop example (the handler decides the operation,
// the service builds the document): pure functions that shape rows into the
// search document. Keeping them apart from the handler makes them easy to
// unit-test and to reuse from a backfill script.
import type { Document, Row } from '../../../../actors/es/handler-api.ts';

/** Columns of shop.orders that the search document carries. */
export const ORDER_FIELDS = ['user_id', 'status', 'amount', 'created_at', 'paid_at'] as const;

export const ORDERS_INDEX = 'shop_orders';

/** DECIMAL arrives as an exact string; the index maps amount as scaled_float, which takes strings. */
export function orderFields(row: Row, columns: readonly string[] = ORDER_FIELDS): Document {
  const out: Document = {};
  for (const c of columns) if (c in row) out[c] = row[c];
  if ('status' in out) out.status_label = statusLabel(String(out.status));
  return out;
}

export function statusLabel(status: string): string {
  return { '0': 'created', '1': 'paid', '2': 'shipped', '9': 'cancelled' }[status] ?? 'unknown';
}

/** A payment row contributes only these fields to the order's document. */
export function paymentFields(row: Row): Document {
  return { payment_method: row.method, paid_amount: row.amount };
}
