-- An identity's prospects across campaigns: addProspects' otherCampaigns
-- (SPEC §12) probes it once per identity of a batch, whatever the number
-- of the owner's campaigns, and keeps the rows of the owner's campaigns.
-- campaign_id is in the index so that the probe needs no heap page.
CREATE INDEX prospects_identity_idx ON prospects (identity, campaign_id);
