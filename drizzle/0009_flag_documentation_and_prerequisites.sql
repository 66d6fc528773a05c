ALTER TABLE "feature_flags" ADD COLUMN "owner" text;--> statement-breakpoint
ALTER TABLE "feature_flags" ADD COLUMN "released_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "feature_flags" ADD COLUMN "remove_by" date;--> statement-breakpoint
ALTER TABLE "feature_flags" ADD COLUMN "requires" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "feature_flags" ADD CONSTRAINT "feature_flags_owner_check" CHECK ("feature_flags"."owner" IS NULL OR length("feature_flags"."owner") BETWEEN 1 AND 200);--> statement-breakpoint
ALTER TABLE "feature_flags" ADD CONSTRAINT "feature_flags_requires_check" CHECK (cardinality("feature_flags"."requires") <= 10 AND NOT ("feature_flags"."key" = ANY ("feature_flags"."requires")) AND array_to_string("feature_flags"."requires", ',') ~ '^([a-z][a-z0-9_]{2,63}(,[a-z][a-z0-9_]{2,63})*)?$');--> statement-breakpoint
-- The spec's evaluation order, with prerequisites after the master switch (as LaunchDarkly
-- orders them): disabled; a prerequisite off for this user and customer; user whitelist;
-- customer whitelist; rollout. The rollout hashes the customer id when given (a whole
-- customer sees the same thing), else the user id; 0 % is always off and 100 % always on;
-- with no id, off. Prerequisites form no cycle (checked on write), so the recursion ends.
CREATE OR REPLACE FUNCTION is_feature_enabled(feature_key text, user_id uuid DEFAULT NULL, customer_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  f feature_flags%ROWTYPE;
  hashed text := coalesce(customer_id, user_id)::text;
BEGIN
  SELECT * INTO f FROM feature_flags WHERE key = feature_key;
  IF NOT FOUND OR NOT f.enabled THEN
    RETURN false;
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(f.requires) AS r(k) WHERE NOT is_feature_enabled(r.k, user_id, customer_id)) THEN
    RETURN false;
  END IF;
  IF user_id IS NOT NULL AND user_id = ANY (f.user_ids) THEN
    RETURN true;
  END IF;
  IF customer_id IS NOT NULL AND customer_id = ANY (f.customer_ids) THEN
    RETURN true;
  END IF;
  IF f.rollout_percentage >= 100 THEN
    RETURN true;
  END IF;
  IF f.rollout_percentage <= 0 OR hashed IS NULL THEN
    RETURN false;
  END IF;
  RETURN flag_bucket(f.salt, hashed) < f.rollout_percentage;
END
$$;
--> statement-breakpoint
-- Remembers since when a flag has been fully on (for the stale-flag report), and when it
-- was first fully released (never cleared: the spec's "track when feature was fully released").
CREATE OR REPLACE FUNCTION feature_flags_track_full_rollout()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.enabled AND NEW.rollout_percentage = 100 THEN
    IF TG_OP = 'UPDATE' AND OLD.enabled AND OLD.rollout_percentage = 100 THEN
      NEW.full_rollout_since := OLD.full_rollout_since;
    ELSE
      NEW.full_rollout_since := coalesce(NEW.full_rollout_since, now());
    END IF;
    NEW.released_at := coalesce(NEW.released_at, NEW.full_rollout_since);
  ELSE
    NEW.full_rollout_since := NULL;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Flags fully on now were released when they last became so (the earliest date known).
UPDATE feature_flags SET released_at = full_rollout_since WHERE full_rollout_since IS NOT NULL;
