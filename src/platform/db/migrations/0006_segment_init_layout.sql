-- A fragmented-MP4 segment's init segment (ftyp + moov): its size and SHA-256, read when the segment
-- is filed. An HLS playlist needs only these and the file's size, so it is made from the index alone,
-- without reading (or, from S3, downloading) every segment it lists. Null for MPEG-TS segments and
-- rows filed before this migration (those are read as before).
alter table recording_segments add column init_bytes integer;
alter table recording_segments add column init_digest text;
