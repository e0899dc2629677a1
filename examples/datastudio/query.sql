SELECT o.order_id, o.amount
FROM ods_orders o
WHERE o.ds = MAX_PT('ods_orders');
