-- roster_version moves whenever a campaign's roster changes which prospects
-- it holds or their statuses (in the same transaction, by the stats
-- trigger): a snapshot that sees a version sees exactly the roster every
-- other snapshot with that version sees. The list path keeps positions of
-- a roster (db/marks.go) and uses them only while the version is the one
-- they were read at. Profile edits leave it alone; ids never change.
ALTER TABLE campaigns ADD COLUMN roster_version bigint NOT NULL DEFAULT 0;

--bun:split

CREATE OR REPLACE FUNCTION prospects_keep_stats() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH d AS (
            SELECT campaign_id, status, count(*) AS n FROM new_rows GROUP BY 1, 2
        ), c AS (
            SELECT campaign_id, jsonb_object_agg(status, n) AS delta FROM d GROUP BY 1
        )
        UPDATE campaigns SET stats = campaign_stats_add(campaigns.stats, c.delta),
            roster_version = campaigns.roster_version + 1
        FROM c WHERE campaigns.id = c.campaign_id;
    ELSIF TG_OP = 'DELETE' THEN
        WITH d AS (
            SELECT campaign_id, status, -count(*) AS n FROM old_rows GROUP BY 1, 2
        ), c AS (
            SELECT campaign_id, jsonb_object_agg(status, n) AS delta FROM d GROUP BY 1
        )
        UPDATE campaigns SET stats = campaign_stats_add(campaigns.stats, c.delta),
            roster_version = campaigns.roster_version + 1
        FROM c WHERE campaigns.id = c.campaign_id;
    ELSE
        -- Every campaign a moved row left or joined gets a new version, even
        -- when its counts net out (two prospects swapping statuses change
        -- who is on each status's roster).
        WITH moves AS (
            SELECT o.campaign_id AS oc, o.status AS os, n.campaign_id AS nc, n.status AS ns
            FROM old_rows o JOIN new_rows n USING (id)
            WHERE o.status IS DISTINCT FROM n.status OR o.campaign_id IS DISTINCT FROM n.campaign_id
        ), touched AS (
            SELECT oc AS campaign_id FROM moves UNION SELECT nc FROM moves
        ), d AS (
            SELECT campaign_id, status, sum(n) AS n FROM (
                SELECT oc AS campaign_id, os AS status, -1 AS n FROM moves
                UNION ALL
                SELECT nc, ns, 1 FROM moves
            ) m GROUP BY 1, 2 HAVING sum(n) <> 0
        ), c AS (
            SELECT t.campaign_id, COALESCE(jsonb_object_agg(d.status, d.n) FILTER (WHERE d.status IS NOT NULL), '{}') AS delta
            FROM touched t LEFT JOIN d USING (campaign_id) GROUP BY 1
        )
        UPDATE campaigns SET stats = campaign_stats_add(campaigns.stats, c.delta),
            roster_version = campaigns.roster_version + 1
        FROM c WHERE campaigns.id = c.campaign_id;
    END IF;
    RETURN NULL;
END
$$;

--bun:split

-- recalculate_campaign_stats also moves the version: it is the repair after
-- writes the trigger did not see (TRUNCATE).
CREATE OR REPLACE FUNCTION recalculate_campaign_stats(p_campaign_id uuid) RETURNS jsonb
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
        FROM prospects WHERE campaign_id = p_campaign_id),
        roster_version = roster_version + 1
    WHERE id = p_campaign_id
    RETURNING stats
$$;
