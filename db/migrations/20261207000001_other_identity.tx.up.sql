-- other_identity is the normalized form of the identity a row captured
-- besides its required one (a LinkedIn URL on an EMAIL campaign, an email
-- on a LINKEDIN campaign), NULL when it has none. The suppression list
-- (SPEC §11, §12) blocks a prospect by either identity; LinkedIn URLs are
-- normalized in Go (identity.LinkedInURL), which SQL cannot redo, so the
-- normalized form is stored. Rows written before this column hold NULL
-- here: only their required identity is matched.
ALTER TABLE prospects ADD COLUMN other_identity text;
