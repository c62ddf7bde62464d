-- 0002: daily range partitions, shared by every time-partitioned table (samples, metrics_aggregated, ...).
-- A partition of table T for day D is named T_pYYYYMMDD and covers [D, D + 1 day) in UTC.

CREATE FUNCTION telltale_create_daily_partitions(parent regclass, first_day date, last_day date)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d       date;
    part    text;
    created integer := 0;
    nsp     text;
    rel     text;
BEGIN
    SELECT n.nspname, c.relname INTO nsp, rel
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent;
    IF last_day - first_day > 3660 THEN
        RAISE EXCEPTION 'refusing to create % partitions at once', last_day - first_day + 1;
    END IF;
    d := first_day;
    WHILE d <= last_day LOOP
        part := rel || '_p' || to_char(d, 'YYYYMMDD');
        IF to_regclass(quote_ident(nsp) || '.' || quote_ident(part)) IS NULL THEN
            -- Concurrent callers (two workers, a worker and the job) may race: the loser's
            -- duplicate_table is harmless.
            BEGIN
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                               nsp, part, parent,
                               (d::timestamp AT TIME ZONE 'UTC'),
                               ((d + 1)::timestamp AT TIME ZONE 'UTC'));
                created := created + 1;
            EXCEPTION WHEN duplicate_table THEN
                NULL;
            END;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN created;
END
$$;

-- Drops the partitions of parent that end on or before `before_day` (retention). Returns how many.
CREATE FUNCTION telltale_drop_daily_partitions(parent regclass, before_day date)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r       record;
    dropped integer := 0;
BEGIN
    FOR r IN
        SELECT c.oid::regclass AS part, n.nspname, c.relname
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE i.inhparent = parent
           AND c.relname ~ '_p[0-9]{8}$'
           AND to_date(right(c.relname, 8), 'YYYYMMDD') < before_day
    LOOP
        EXECUTE format('DROP TABLE %I.%I', r.nspname, r.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END
$$;
