-- campaigns.version (SPEC §14) moves, in the same transaction, with every
-- change a query of the campaign can show: its own fields and stats, who is
-- on its roster, their order, statuses and profile fields, whoever writes
-- (this API, an import job, the sending engine's plain SQL). Equal versions
-- mean equal answers, which is what lets a poll be answered 304.
--
-- Every value is drawn from one sequence: a version never repeats, not
-- even across campaigns, so a digest of the owner's (id, version) pairs
-- versions the owner's whole list (graph's ETags, db/versions.go).
-- roster_version stays what it was: the marks' (db/marks.go) narrower
-- version of who is on the roster in which status.
CREATE SEQUENCE campaign_version_seq;

--bun:split

ALTER TABLE campaigns ADD COLUMN version bigint NOT NULL DEFAULT nextval('campaign_version_seq');

--bun:split

-- campaigns_bump_version gives a campaign row that changed a new version,
-- whatever changed it (a transition, a rename, the stats trigger, plain
-- SQL). An UPDATE that sets version itself (the prospects trigger below)
-- keeps its value; one that changes nothing keeps the old version.
CREATE FUNCTION campaigns_bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = OLD.version AND NEW IS DISTINCT FROM OLD THEN
        NEW.version := nextval('campaign_version_seq');
    END IF;
    RETURN NEW;
END
$$;

--bun:split

CREATE TRIGGER campaigns_bump_version BEFORE UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION campaigns_bump_version();

--bun:split

-- prospects_keep_stats as before (stats and roster_version for who is on
-- the roster in which status), and now also a new version for every
-- campaign one of whose prospects an UPDATE changed in any column (a
-- profile edit moves no count but changes what a page shows). Still
-- statement-level over the transition tables: the cost follows the rows
-- written. Inserts and deletes always change the stats, so the campaigns
-- row trigger above gives them their new version.
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
            roster_version = campaigns.roster_version + 1,
            version = nextval('campaign_version_seq')
        FROM c WHERE campaigns.id = c.campaign_id;
    ELSIF TG_OP = 'DELETE' THEN
        WITH d AS (
            SELECT campaign_id, status, -count(*) AS n FROM old_rows GROUP BY 1, 2
        ), c AS (
            SELECT campaign_id, jsonb_object_agg(status, n) AS delta FROM d GROUP BY 1
        )
        UPDATE campaigns SET stats = campaign_stats_add(campaigns.stats, c.delta),
            roster_version = campaigns.roster_version + 1,
            version = nextval('campaign_version_seq')
        FROM c WHERE campaigns.id = c.campaign_id;
    ELSE
        -- moves: rows whose status or campaign changed (the stats and
        -- roster_version of every campaign they left or joined, even when
        -- the counts net out); edits: rows that changed at all (a new
        -- version for their campaigns, old and new).
        WITH changed AS (
            SELECT o.campaign_id AS oc, o.status AS os, n.campaign_id AS nc, n.status AS ns,
                   (o.status IS DISTINCT FROM n.status OR o.campaign_id IS DISTINCT FROM n.campaign_id) AS moved
            FROM old_rows o JOIN new_rows n ON o.id = n.id
            WHERE o IS DISTINCT FROM n
        ), touched AS (
            SELECT campaign_id, bool_or(moved) AS moved FROM (
                SELECT oc AS campaign_id, moved FROM changed
                UNION ALL
                SELECT nc, moved FROM changed
            ) t GROUP BY 1
        ), d AS (
            SELECT campaign_id, status, sum(n) AS n FROM (
                SELECT oc AS campaign_id, os AS status, -1 AS n FROM changed WHERE moved
                UNION ALL
                SELECT nc, ns, 1 FROM changed WHERE moved
            ) m GROUP BY 1, 2 HAVING sum(n) <> 0
        ), c AS (
            SELECT t.campaign_id, t.moved,
                   COALESCE(jsonb_object_agg(d.status, d.n) FILTER (WHERE d.status IS NOT NULL), '{}') AS delta
            FROM touched t LEFT JOIN d USING (campaign_id) GROUP BY 1, 2
        )
        UPDATE campaigns SET stats = campaign_stats_add(campaigns.stats, c.delta),
            roster_version = campaigns.roster_version + CASE WHEN c.moved THEN 1 ELSE 0 END,
            version = nextval('campaign_version_seq')
        FROM c WHERE campaigns.id = c.campaign_id;
    END IF;
    RETURN NULL;
END
$$;

--bun:split

-- Persisted queries (Apollo's automatic persisted queries, SPEC §14), by
-- the SHA-256 of their text: kept in the database so that a GET by hash
-- works on every replica once any replica has seen the document.
CREATE TABLE persisted_queries (
    sha256     text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    query      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

--bun:split

-- etag_key is the key of the ETags' MAC (etag/etag.go), one for every
-- replica sharing the database, so that any replica validates another's
-- ETags and no client can forge one. gen_random_uuid draws from the
-- server's strong random source: two make 244 random bits.
CREATE TABLE etag_key (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    key  bytea NOT NULL
);

--bun:split

INSERT INTO etag_key (key)
SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');
