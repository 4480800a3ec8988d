-- Exports run in the background on the node that accepted them. The runner touches updated_at while
-- it works, so when a node stops mid-export another can tell the job is dead and fail it, instead of
-- every node reporting it "running" forever.
alter table video_exports add column updated_at timestamptz not null default now();
create index video_exports_active on video_exports (status, updated_at) where status in ('pending', 'running');
