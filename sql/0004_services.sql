-- 0004: API-service monitoring (seed 000): the service registry and per-endpoint reports.
-- Reports are filtered on their own time (ts), never on created_at (DESIGN.md section 9).

CREATE TABLE service_info (
    tenant_id          bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    service_name       text NOT NULL CHECK (service_name ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$'),
    display_name       text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    endpoints          text[] NOT NULL DEFAULT '{}',
    -- healthy | degraded | unhealthy | unknown, as classified at the last report.
    status             text NOT NULL DEFAULT 'unknown'
                       CHECK (status IN ('healthy', 'degraded', 'unhealthy', 'unknown')),
    last_seen          timestamptz,
    monitoring_enabled boolean NOT NULL DEFAULT true,
    -- Health thresholds (GET /v1/services/{name}/health): defaults of seed 000.
    freshness_s        integer NOT NULL DEFAULT 300 CHECK (freshness_s BETWEEN 10 AND 86400),
    max_error_rate     double precision NOT NULL DEFAULT 0.05 CHECK (max_error_rate BETWEEN 0 AND 1),
    max_latency_ms     double precision NOT NULL DEFAULT 2000 CHECK (max_latency_ms > 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, service_name)
);

-- One row per (service, endpoint, report time). A report sent again for the same time replaces
-- the earlier one, so an agent's retry is not counted twice.
CREATE TABLE metrics_aggregated (
    tenant_id      bigint NOT NULL,
    ts             timestamptz NOT NULL,
    service_name   text NOT NULL,
    api_endpoint   text NOT NULL,
    qps            double precision NOT NULL CHECK (qps >= 0),
    avg_latency_ms double precision NOT NULL CHECK (avg_latency_ms >= 0),
    p95_latency_ms double precision NOT NULL CHECK (p95_latency_ms >= 0),
    p99_latency_ms double precision NOT NULL CHECK (p99_latency_ms >= 0),
    error_rate     double precision NOT NULL CHECK (error_rate BETWEEN 0 AND 1),
    total_requests bigint NOT NULL CHECK (total_requests >= 0),
    created_at     timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (ts);

-- (service, ts) and (service, endpoint, ts), tenant first. The unique one doubles as the
-- (service, endpoint, ts) index.
CREATE INDEX metrics_aggregated_service_ts ON metrics_aggregated (tenant_id, service_name, ts);
CREATE UNIQUE INDEX metrics_aggregated_endpoint_ts
    ON metrics_aggregated (tenant_id, service_name, api_endpoint, ts);
CREATE INDEX metrics_aggregated_tenant_ts ON metrics_aggregated (tenant_id, ts);

-- today - 1 .. today + 7; ingest creates the others it needs (reports reach 30 days back).
SELECT telltale_create_daily_partitions('metrics_aggregated', current_date - 1, current_date + 7);
