-- The suppression list (SPEC §11): per owner (the token's sub), people and
-- domains that must never be added to a roster.
CREATE TABLE suppressions (
    -- Time-ordered (UUIDv7) and the list's order: a call's ids share their
    -- first 64 bits and count down in submission order (db/suppressions.go
    -- suppressionIDs), so id DESC is the newest call's entries first, each
    -- call's in submission order, and a cursor is an id that stays a
    -- position after its entry is removed.
    id          uuid PRIMARY KEY,
    owner       text NOT NULL CHECK (owner <> ''),
    kind        text NOT NULL CHECK (kind IN ('email', 'domain', 'linkedin')),
    -- As submitted, trimmed.
    value       text NOT NULL CHECK (value <> ''),
    -- What matching compares (identity.Email, identity.LinkedInURL,
    -- identity.Domain).
    normalized  text NOT NULL CHECK (normalized <> ''),
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

--bun:split

-- One entry per kind and normalized value per owner; also the lookup of
-- matchSuppressions and the add path (one index probe per identity and
-- per candidate domain), and the search's index-only count.
CREATE UNIQUE INDEX suppressions_owner_kind_normalized_key ON suppressions (owner, kind, normalized);

--bun:split

-- The list in order, whole or of one kind (pages and keyset seeks).
CREATE INDEX suppressions_owner_order_idx ON suppressions (owner, id);

--bun:split

CREATE INDEX suppressions_owner_kind_order_idx ON suppressions (owner, kind, id);

--bun:split

-- prospect_email_rdomain is the domain of a prospect's email, reversed and
-- ended with a dot ('moc.emca.ue.' for jane@eu.acme.com), NULL when it has
-- no email: its email is its identity on an EMAIL campaign, its other
-- identity on a LINKEDIN one (a normalized LinkedIn URL starts with
-- https://, which no address can: ':' is not allowed in one). A DOMAIN
-- entry acme.com blocks exactly the prospects whose value starts with
-- 'moc.emca.' (acme.com and its subdomains, never notacme.com): one range
-- of the index below per entry and campaign.
CREATE FUNCTION prospect_email_rdomain(identity text, other_identity text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT reverse(split_part(CASE WHEN identity LIKE 'https://%' THEN other_identity ELSE identity END, '@', 2)) || '.'
$$;

--bun:split

-- removeFromDraftRosters finds the prospects an entry blocks on each DRAFT
-- roster by index: by the required identity (prospects_campaign_identity_key),
-- the captured one, and the email's domain; its cost follows the
-- prospects it removes, not the rosters' size.
CREATE INDEX prospects_campaign_other_identity_idx ON prospects (campaign_id, other_identity)
    WHERE other_identity IS NOT NULL;

--bun:split

CREATE INDEX prospects_campaign_email_rdomain_idx
    ON prospects (campaign_id, prospect_email_rdomain(identity, other_identity) text_pattern_ops);
