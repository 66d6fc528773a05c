-- Flag evaluation in SQL, computing exactly what src/flags/bucket.ts and evaluate.ts compute.
-- The bucket hash is FNV-1a (32-bit) over the UTF-8 bytes of salt || ':' || id, finished
-- with MurmurHash3's fmix32, modulo 100. Only documented integer operations are used (no
-- hashtext(), whose output may change between Postgres versions).

-- (a * b) mod 2^32 for a, b in [0, 2^32), without overflowing bigint.
CREATE OR REPLACE FUNCTION flag_mul32(a bigint, b bigint)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ((a * (b & 65535)) + (((a * (b >> 16)) & 65535) << 16)) & 4294967295
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION flag_bucket(salt text, id text)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  input bytea := convert_to(salt || ':' || id, 'UTF8');
  h bigint := 2166136261;
BEGIN
  FOR i IN 0 .. length(input) - 1 LOOP
    h := ((h # get_byte(input, i)) * 16777619) & 4294967295;
  END LOOP;
  h := h # (h >> 16);
  h := flag_mul32(h, 2246822507);
  h := h # (h >> 13);
  h := flag_mul32(h, 3266489909);
  h := h # (h >> 16);
  RETURN (h % 100)::integer;
END
$$;
--> statement-breakpoint
-- The spec's evaluation order: disabled, user allow-list, customer allow-list, rollout.
-- The rollout hashes the customer id when given (a whole customer sees the same thing),
-- else the user id; 0 % is always off and 100 % always on; with no id, off.
CREATE OR REPLACE FUNCTION is_feature_enabled(feature_key text, user_id uuid DEFAULT NULL, customer_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT CASE
      WHEN NOT f.enabled THEN false
      WHEN $2 IS NOT NULL AND $2 = ANY (f.user_ids) THEN true
      WHEN $3 IS NOT NULL AND $3 = ANY (f.customer_ids) THEN true
      WHEN f.rollout_percentage >= 100 THEN true
      WHEN f.rollout_percentage <= 0 THEN false
      WHEN coalesce($3, $2) IS NULL THEN false
      ELSE flag_bucket(f.salt, coalesce($3, $2)::text) < f.rollout_percentage
    END
    FROM feature_flags f
    WHERE f.key = $1), false)
$$;
--> statement-breakpoint
-- Remembers since when a flag has been fully on, for the stale-flag report.
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
  ELSE
    NEW.full_rollout_since := NULL;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Flags that are fully on when this migration runs count from now.
UPDATE feature_flags SET full_rollout_since = now() WHERE enabled AND rollout_percentage = 100;
--> statement-breakpoint
CREATE TRIGGER feature_flags_track_full_rollout
BEFORE INSERT OR UPDATE ON feature_flags
FOR EACH ROW EXECUTE FUNCTION feature_flags_track_full_rollout();
