-- Import jobs (SPEC §13): a CSV file imported into a DRAFT campaign's
-- roster in the background. A job is QUEUED until a worker of any server
-- process takes its lease (lease_owner, lease_until; a job whose lease
-- expired is taken again, so a killed process's job resumes elsewhere),
-- then RUNNING. next_row is how many of the file's data rows are done:
-- each chunk of rows commits with its counts and next_row in one
-- transaction, so no row is imported twice and no chunk half.
CREATE TABLE import_jobs (
    id          uuid PRIMARY KEY,
    owner       text NOT NULL,
    campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    file_name   text,
    total_rows  integer NOT NULL DEFAULT 0,
    next_row    integer NOT NULL DEFAULT 0,
    imported    integer NOT NULL DEFAULT 0,
    duplicates  integer NOT NULL DEFAULT 0,
    skipped     integer NOT NULL DEFAULT 0,
    updated     integer NOT NULL DEFAULT 0,
    invalid     integer NOT NULL DEFAULT 0,
    mapping     jsonb NOT NULL DEFAULT '[]',
    options     jsonb NOT NULL DEFAULT '{}',
    failure     jsonb,
    lease_owner uuid,
    lease_until timestamptz NOT NULL DEFAULT '-infinity',
    created_at  timestamptz NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz
);

--bun:split

CREATE INDEX import_jobs_campaign ON import_jobs (campaign_id, created_at DESC, id DESC);

--bun:split

-- What the workers poll, and what a launch asks (IMPORT_IN_PROGRESS).
CREATE INDEX import_jobs_live ON import_jobs (campaign_id, created_at) WHERE status IN ('queued', 'running');

--bun:split

-- Finished jobs are purged 30 days on by the workers themselves.
CREATE INDEX import_jobs_finished ON import_jobs (finished_at) WHERE finished_at IS NOT NULL;

--bun:split

-- A job's file, as it was uploaded, in pieces of about 1 MiB: streamed in,
-- read back piece by piece, deleted when the job ends.
CREATE TABLE import_files (
    job_id uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    seq    integer NOT NULL,
    data   bytea NOT NULL,
    PRIMARY KEY (job_id, seq)
);

--bun:split

-- CSV compresses well, but compressing costs the upload more than the disk
-- it saves for a file that lives minutes.
ALTER TABLE import_files ALTER COLUMN data SET STORAGE EXTERNAL;

--bun:split

-- Identities a job's rows have claimed so far that the roster does not
-- answer for (an invalid or a skipped first row; with onDuplicate: UPDATE,
-- every one): a later row of one is IN_BATCH, the first row winning across
-- the whole file (db/importrun.go noteSeen). Written in each chunk's
-- transaction; deleted when the job ends.
CREATE TABLE import_job_seen (
    job_id   uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    identity text NOT NULL,
    PRIMARY KEY (job_id, identity)
);

--bun:split

-- A job's bad rows (the first 1000), in file order by line.
CREATE TABLE import_job_errors (
    job_id      uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    line        integer NOT NULL,
    column_name text,
    message     text NOT NULL,
    PRIMARY KEY (job_id, line)
);
