-- 0005: alerting and the event pipeline: rules (with versions), alerts and their history, the
-- transactional outbox, notification channels, webhook deliveries (status 'dead' is the DLQ), job runs.

CREATE TABLE alert_rules (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    source             text NOT NULL CHECK (source IN ('service', 'metric', 'absent')),
    service_name       text,
    api_endpoint       text,
    metric             text,            -- service: qps|avg_latency_ms|...; metric/absent: metric name
    label_matchers     jsonb NOT NULL DEFAULT '{}',
    aggregation        text CHECK (aggregation IN ('avg', 'min', 'max', 'sum', 'count', 'p95', 'p99', 'rate')),
    window_s           integer NOT NULL CHECK (window_s BETWEEN 10 AND 86400),
    offset_s           integer NOT NULL DEFAULT 0 CHECK (offset_s BETWEEN 0 AND 86400),
    operator           text NOT NULL CHECK (operator IN ('greater_than', 'greater_equal', 'less_than',
                                                         'less_equal', 'equal', 'not_equal')),
    threshold          double precision NOT NULL,
    recovery_threshold double precision,
    for_s              integer NOT NULL DEFAULT 0 CHECK (for_s BETWEEN 0 AND 86400),
    no_data            text NOT NULL DEFAULT 'ok' CHECK (no_data IN ('ok', 'alerting', 'keep_state')),
    severity           text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    enabled            boolean NOT NULL DEFAULT true,
    channels           uuid[] NOT NULL DEFAULT '{}',
    message            text NOT NULL DEFAULT '',
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         text NOT NULL DEFAULT '',
    UNIQUE (tenant_id, name)
);

-- Every earlier version of a rule: who changed it, when, and what it was.
CREATE TABLE alert_rule_versions (
    rule_id    uuid NOT NULL,
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version    integer NOT NULL,
    change     text NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    rule       jsonb NOT NULL,
    PRIMARY KEY (rule_id, version)
);
CREATE INDEX alert_rule_versions_tenant ON alert_rule_versions (tenant_id, rule_id);

CREATE TABLE active_alerts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    rule_id         uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
    rule_name       text NOT NULL,
    fingerprint     text NOT NULL,       -- which series / service / endpoint the alert is about
    labels          jsonb NOT NULL DEFAULT '{}',
    service_name    text,
    metric          text,
    current_value   double precision,
    threshold       double precision NOT NULL,
    severity        text NOT NULL,
    state           text NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    fired_at        timestamptz,
    acknowledged_at timestamptz,
    acknowledged_by text,
    resolved_at     timestamptz,
    resolved_by     text,
    message         text NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- At most one unresolved alert per rule and fingerprint.
CREATE UNIQUE INDEX active_alerts_one_open ON active_alerts (rule_id, fingerprint) WHERE state <> 'resolved';
CREATE INDEX active_alerts_tenant_state ON active_alerts (tenant_id, state, started_at DESC);
CREATE INDEX active_alerts_resolved ON active_alerts (resolved_at) WHERE state = 'resolved';

CREATE TABLE alert_events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id  uuid NOT NULL REFERENCES active_alerts (id) ON DELETE CASCADE,
    tenant_id bigint NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('pending', 'fired', 'acknowledged', 'commented', 'resolved')),
    value     double precision,
    comment   text
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

-- Written in the same transaction as the change it announces; relayed to Redis by telltale-jobs.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL,
    topic        text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

CREATE TABLE notification_channels (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                  text NOT NULL DEFAULT 'webhook' CHECK (kind = 'webhook'),
    format                text NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'slack')),
    url                   text NOT NULL CHECK (url ~ '^https?://'),
    secret                text NOT NULL,
    enabled               boolean NOT NULL DEFAULT true,
    rate_limit_per_minute integer NOT NULL DEFAULT 60 CHECK (rate_limit_per_minute BETWEEN 1 AND 6000),
    max_attempts          integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 50),
    created_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

-- One webhook delivery of one event to one channel; 'dead' rows are the dead-letter queue.
CREATE TABLE deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL,
    event_id        bigint NOT NULL,
    channel_id      uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    topic           text NOT NULL,
    payload         jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    last_error      text,
    last_status     integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    dead_at         timestamptz,
    UNIQUE (event_id, channel_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_dead ON deliveries (tenant_id, dead_at) WHERE status = 'dead';
CREATE INDEX deliveries_recent ON deliveries (channel_id, delivered_at) WHERE status = 'delivered';

CREATE TABLE job_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job         text NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    ok          boolean NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX job_runs_job ON job_runs (job, started_at DESC);

-- The API representation of a rule, used by the routes and for the version snapshots.
CREATE FUNCTION telltale_rule_json(r alert_rules) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', r.id, 'name', r.name, 'source', r.source, 'service_name', r.service_name,
        'api_endpoint', r.api_endpoint, 'metric', r.metric, 'labels', r.label_matchers,
        'aggregation', r.aggregation, 'window', r.window_s || 's', 'offset', r.offset_s || 's',
        'operator', r.operator, 'threshold', r.threshold, 'recovery_threshold', r.recovery_threshold,
        'for', r.for_s || 's', 'no_data', r.no_data, 'severity', r.severity, 'enabled', r.enabled,
        'channels', to_jsonb(r.channels), 'message', r.message, 'version', r.version,
        'created_at', r.created_at, 'updated_at', r.updated_at, 'updated_by', r.updated_by)
$$;

-- The API representation of an alert (duration in minutes up to now, or up to its resolution).
CREATE FUNCTION telltale_alert_json(a active_alerts) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', a.id, 'rule_id', a.rule_id, 'rule_name', a.rule_name, 'fingerprint', a.fingerprint,
        'labels', a.labels, 'service_name', a.service_name, 'metric', a.metric,
        'current_value', a.current_value, 'threshold', a.threshold, 'severity', a.severity,
        'state', a.state, 'started_at', a.started_at, 'fired_at', a.fired_at,
        'acknowledged_at', a.acknowledged_at, 'acknowledged_by', a.acknowledged_by,
        'resolved_at', a.resolved_at, 'resolved_by', a.resolved_by, 'message', a.message,
        'duration_minutes',
        round((extract(epoch FROM coalesce(a.resolved_at, now()) - a.started_at) / 60)::numeric, 2))
$$;

-- Alerts raised by a metric definition's thresholds at ingest have no rule: one open per series.
CREATE UNIQUE INDEX active_alerts_one_open_threshold ON active_alerts (tenant_id, fingerprint)
    WHERE rule_id IS NULL AND state <> 'resolved';
