// Handler for shop.orders: one search document per order. Every write is a
// partial update, because shop.order_payments (another table, another
// partition) writes other fields of the same document; each table's fields
// are guarded by that table's binlog version, so an old event never
// overwrites newer data whichever order the two tables arrive in.
import { defineHandler } from '../../../../actors/es/handler-api.ts';
import { ORDER_FIELDS, ORDERS_INDEX, orderFields } from './order-document.ts';

export default defineHandler<{ index?: string } | undefined>((ctx) => {
  const index = ctx.options?.index ?? ORDERS_INDEX;
  return {
    insert: (change, doc) => doc.update(index, String(change.row.id), orderFields(change.row), { upsert: true }),

    update: (change, doc) => {
      const changed = ORDER_FIELDS.filter((c) => change.changed(c));
      if (changed.length === 0) return doc.skip('no indexed column changed');
      // Send only what changed; create the document from the full row if it is missing.
      return doc.update(index, String(change.row.id), orderFields(change.row, changed), { upsert: orderFields(change.row) });
    },

    delete: (change, doc) => doc.delete(index, String(change.row.id)),
  };
});
