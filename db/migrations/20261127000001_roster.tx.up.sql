-- The roster's schema (SPEC §10): campaigns and their prospects, the kept
-- stats and the function that recomputes them.

CREATE TABLE campaigns (
    id          uuid PRIMARY KEY,
    owner       text NOT NULL CHECK (owner <> ''),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    channel     text NOT NULL CHECK (channel IN ('email', 'linkedin')),
    status      text NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'launching', 'active', 'paused', 'completed')),
    stats       jsonb NOT NULL DEFAULT '{"total": 0, "pending": 0, "sent": 0, "connection_sent": 0,
                    "connected": 0, "message_sent": 0, "replied": 0, "bounced": 0, "completed": 0,
                    "timed_out": 0, "cancelled": 0}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

--bun:split

-- Serves "the caller's campaigns, newest first", filtered or not by status.
CREATE INDEX campaigns_owner_created_idx ON campaigns (owner, created_at DESC, id DESC);

--bun:split

CREATE TABLE prospects (
    -- Time-ordered (UUIDv7), generated in submission order: the roster order.
    id             uuid PRIMARY KEY,
    campaign_id    uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    -- The normalized required identity (lowercased email, or canonical
    -- LinkedIn profile URL), what deduplication compares.
    identity       text NOT NULL CHECK (identity <> ''),
    email          text,
    linkedin_url   text,
    first_name     text,
    last_name      text,
    company        text,
    title          text,
    phone          text,
    location       text,
    custom_fields  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sent', 'connection_sent', 'connected', 'message_sent',
                                     'replied', 'bounced', 'completed', 'timed_out', 'cancelled')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

--bun:split

-- One prospect per identity per campaign, whoever writes (SPEC §5).
CREATE UNIQUE INDEX prospects_campaign_identity_key ON prospects (campaign_id, identity);

--bun:split

-- The roster in order (listing, keyset pages, clear, the foreign key's cascade).
CREATE INDEX prospects_campaign_order_idx ON prospects (campaign_id, id);

--bun:split

-- The roster of one status in order (status filter, polling for PENDING).
CREATE INDEX prospects_campaign_status_order_idx ON prospects (campaign_id, status, id);

--bun:split

-- campaign_stats_add returns stats with every count moved by delta, a jsonb
-- object {status: change}; total moves by the sum of the changes.
CREATE FUNCTION campaign_stats_add(stats jsonb, delta jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT jsonb_object_agg(k,
        COALESCE((stats ->> k)::bigint, 0) +
        CASE WHEN k = 'total'
             THEN (SELECT COALESCE(sum(v::bigint), 0) FROM jsonb_each_text(delta) AS d (dk, v))
             ELSE COALESCE((delta ->> k)::bigint, 0)
        END)
    FROM unnest(ARRAY['total', 'pending', 'sent', 'connection_sent', 'connected', 'message_sent',
                      'replied', 'bounced', 'completed', 'timed_out', 'cancelled']) AS k
$$;

--bun:split

-- prospects_keep_stats keeps campaigns.stats equal to the roster in the same
-- transaction as every write to prospects (SPEC §9), whoever writes: this
-- API or the sending engine's plain SQL. Statement-level, over the
-- transition tables, so a statement costs in proportion to the rows it
-- wrote, never to the roster's size; an update that moves no status (a
-- profile edit) touches no campaign row at all.
CREATE FUNCTION prospects_keep_stats() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH d AS (
            SELECT campaign_id, status, count(*) AS n FROM new_rows GROUP BY 1, 2
        ), c AS (
            SELECT campaign_id, jsonb_object_agg(status, n) AS delta FROM d GROUP BY 1
        )
        UPDATE campaigns SET stats = campaign_stats_add(campaigns.stats, c.delta)
        FROM c WHERE campaigns.id = c.campaign_id;
    ELSIF TG_OP = 'DELETE' THEN
        WITH d AS (
            SELECT campaign_id, status, -count(*) AS n FROM old_rows GROUP BY 1, 2
        ), c AS (
            SELECT campaign_id, jsonb_object_agg(status, n) AS delta FROM d GROUP BY 1
        )
        UPDATE campaigns SET stats = campaign_stats_add(campaigns.stats, c.delta)
        FROM c WHERE campaigns.id = c.campaign_id;
    ELSE
        WITH moves AS (
            SELECT o.campaign_id AS oc, o.status AS os, n.campaign_id AS nc, n.status AS ns
            FROM old_rows o JOIN new_rows n USING (id)
            WHERE o.status IS DISTINCT FROM n.status OR o.campaign_id IS DISTINCT FROM n.campaign_id
        ), d AS (
            SELECT campaign_id, status, sum(n) AS n FROM (
                SELECT oc AS campaign_id, os AS status, -1 AS n FROM moves
                UNION ALL
                SELECT nc, ns, 1 FROM moves
            ) m GROUP BY 1, 2 HAVING sum(n) <> 0
        ), c AS (
            SELECT campaign_id, jsonb_object_agg(status, n) AS delta FROM d GROUP BY 1
        )
        UPDATE campaigns SET stats = campaign_stats_add(campaigns.stats, c.delta)
        FROM c WHERE campaigns.id = c.campaign_id;
    END IF;
    RETURN NULL;
END
$$;

--bun:split

CREATE TRIGGER prospects_keep_stats_insert AFTER INSERT ON prospects
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prospects_keep_stats();

--bun:split

CREATE TRIGGER prospects_keep_stats_update AFTER UPDATE ON prospects
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prospects_keep_stats();

--bun:split

CREATE TRIGGER prospects_keep_stats_delete AFTER DELETE ON prospects
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION prospects_keep_stats();

--bun:split

-- recalculate_campaign_stats recomputes a campaign's stats from scratch, for
-- repair and for callers of the original API; it stores and returns them.
-- Its result always equals what the trigger keeps.
CREATE FUNCTION recalculate_campaign_stats(p_campaign_id uuid) RETURNS jsonb
LANGUAGE sql AS $$
    UPDATE campaigns SET stats = (
        SELECT jsonb_build_object(
            'total',           count(*),
            'pending',         count(*) FILTER (WHERE status = 'pending'),
            'sent',            count(*) FILTER (WHERE status = 'sent'),
            'connection_sent', count(*) FILTER (WHERE status = 'connection_sent'),
            'connected',       count(*) FILTER (WHERE status = 'connected'),
            'message_sent',    count(*) FILTER (WHERE status = 'message_sent'),
            'replied',         count(*) FILTER (WHERE status = 'replied'),
            'bounced',         count(*) FILTER (WHERE status = 'bounced'),
            'completed',       count(*) FILTER (WHERE status = 'completed'),
            'timed_out',       count(*) FILTER (WHERE status = 'timed_out'),
            'cancelled',       count(*) FILTER (WHERE status = 'cancelled'))
        FROM prospects WHERE campaign_id = p_campaign_id)
    WHERE id = p_campaign_id
    RETURNING stats
$$;
