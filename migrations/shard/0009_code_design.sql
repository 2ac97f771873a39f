-- A code's QR design and logo (packages/schema/src/qr-style.ts). qr_style holds the whole design as
-- JSON, null for the default: a design is checked whole (it must scan) and stored whole. logo holds
-- the logo's facts (type, bytes, width, height, sha256) as JSON; the image itself is in R2, under
-- a key of the workspace and the code (workers/api/src/logos.ts).
ALTER TABLE codes ADD COLUMN qr_style TEXT CHECK (qr_style IS NULL OR json_valid(qr_style));
ALTER TABLE codes ADD COLUMN logo TEXT CHECK (logo IS NULL OR json_valid(logo));
