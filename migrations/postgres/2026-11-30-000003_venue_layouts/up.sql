-- The venue editor (issue 7). Keep in step with ../../sqlite/<same folder>/up.sql.

-- A seated section's generator parameters as JSON (rows, seats_per_row, first_row, numbering,
-- shape, x, y), so the editor can reopen it. NULL for sections drawn another way (the demo's
-- venues): the editor keeps those seats as they are. Accessible and blocked seats are not in
-- here: the seats' own columns are the truth.
ALTER TABLE sections ADD COLUMN layout TEXT;
