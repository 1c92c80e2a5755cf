-- How long a workspace keeps conversations after their last message, in days; none keeps them
-- until they are erased. A background job on every node deletes older ones in batches.
ALTER TABLE workspaces ADD COLUMN transcript_retention_days INTEGER;
