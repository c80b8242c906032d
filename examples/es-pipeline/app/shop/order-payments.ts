// Handler for shop.order_payments: adds payment fields to the order's
// document. A payment can arrive before its order (different tables are not
// ordered against each other), so the update creates the document if needed.
import { defineHandler } from '../../../../actors/es/handler-api.ts';
import { ORDERS_INDEX, paymentFields } from './order-document.ts';

export default defineHandler<{ index?: string } | undefined>((ctx) => {
  const index = ctx.options?.index ?? ORDERS_INDEX;
  return {
    insert: (change, doc) => doc.update(index, String(change.row.order_id), paymentFields(change.row), { upsert: true }),
    update: (change, doc) => doc.update(index, String(change.row.order_id), paymentFields(change.row), { upsert: true }),
    // A refund removes the payment fields, not the order.
    delete: (change, doc) => doc.update(index, String(change.row.order_id), { payment_method: null, paid_amount: null }),
  };
});
