DROP TABLE lotuspay_notifications;
DROP TABLE lotuspay_refunds;
DROP TABLE lotuspay_payments;
