-- An identity's prospects across campaigns: addProspects' otherCampaigns
-- (SPEC §12) probes it once per identity of a batch, whatever the number
-- of the owner's campaigns, and keeps the rows of the owner's campaigns.
CREATE INDEX prospects_identity_idx ON prospects (identity);
