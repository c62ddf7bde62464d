-- 0003: generic metrics (seed 004): series dictionary, daily-partitioned samples, definitions, ingest batches.

-- One row per (tenant, name, label set): labels are stored once per series, not once per sample.
-- labels_hash is SHA-256 of the canonical label set (keys sorted, "k\0v\0" pairs), computed by telltale.
CREATE TABLE series (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    labels      jsonb NOT NULL,
    labels_hash bytea NOT NULL CHECK (length(labels_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name, labels_hash)
);
CREATE INDEX series_labels ON series USING gin (labels jsonb_path_ops);

-- Narrow rows, range-partitioned by day (UTC) on the sample's own time. Retention drops partitions.
-- No unique index: idempotent retries are handled per batch (ingest_batches), which keeps COPY fast.
CREATE TABLE samples (
    series_id bigint NOT NULL,
    ts        timestamptz NOT NULL,
    value     float8 NOT NULL
) PARTITION BY RANGE (ts);
CREATE INDEX samples_series_ts ON samples (series_id, ts);

SELECT telltale_create_daily_partitions('samples', (now() AT TIME ZONE 'UTC')::date - 1,
                                        (now() AT TIME ZONE 'UTC')::date + 7);

CREATE TABLE metric_definitions (
    tenant_id          bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    display_name       text NOT NULL DEFAULT '',
    description        text NOT NULL DEFAULT '',
    unit               text NOT NULL DEFAULT '',
    type               text NOT NULL DEFAULT 'gauge'
                       CHECK (type IN ('gauge', 'counter', 'histogram', 'summary')),
    aggregation        text NOT NULL DEFAULT 'avg'
                       CHECK (aggregation IN ('avg', 'sum', 'min', 'max', 'count', 'last', 'rate')),
    retention_days     integer NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 1 AND 3650),
    warning_threshold  float8,
    critical_threshold float8,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

-- One row per stored ingest request, written in the transaction that stores its samples; a retry
-- with the same Idempotency-Key finds the row and gets the stored answer back.
CREATE TABLE ingest_batches (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    received_at     timestamptz NOT NULL DEFAULT now(),
    samples         integer NOT NULL,
    status          integer NOT NULL,
    response        jsonb,
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX ingest_batches_received ON ingest_batches (received_at);
