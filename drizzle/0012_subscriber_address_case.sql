-- One subscription per channel and address, compared as stored: email addresses are stored
-- lower-case (the subscribe route folds them), URLs as given (their case is significant).
-- Addresses stored before are folded first; of two that fold to one, the most advanced
-- subscription stays (active, paused, pending, unsubscribed, in that order).
DELETE FROM "subscribers" s USING "subscribers" t
WHERE s."channel" = 'email' AND t."channel" = 'email' AND s."id" <> t."id" AND lower(s."address") = lower(t."address")
  AND (array_position(ARRAY['active', 'paused', 'pending', 'unsubscribed'], s."status"), s."created_at", s."id")
    > (array_position(ARRAY['active', 'paused', 'pending', 'unsubscribed'], t."status"), t."created_at", t."id");--> statement-breakpoint
UPDATE "subscribers" SET "address" = lower("address") WHERE "channel" = 'email' AND "address" <> lower("address");--> statement-breakpoint
DROP INDEX "subscribers_channel_address_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_channel_address_idx" ON "subscribers" USING btree ("channel","address");
