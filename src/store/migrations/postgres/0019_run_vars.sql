-- The variables a run was created with (issue 15, templates and variables): a JSON object of text values,
-- the flow's and the project's with the run's overrides applied (docs/definitions.md#variables). A resumed
-- run uses these, not the files' current ones. NULL for runs created before.
ALTER TABLE runs ADD COLUMN vars TEXT;
