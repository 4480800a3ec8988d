-- A camera's recordings and exports are evidence: deleting the camera must not silently drop their
-- index (and leave the files on disk with nothing pointing at them). The camera can be deleted once
-- retention has removed its recordings; the API answers 409 until then.
alter table recording_segments drop constraint recording_segments_camera_id_fkey;
alter table recording_segments add constraint recording_segments_camera_id_fkey
  foreign key (camera_id) references cameras(id) on delete restrict;
alter table video_exports drop constraint video_exports_camera_id_fkey;
alter table video_exports add constraint video_exports_camera_id_fkey
  foreign key (camera_id) references cameras(id) on delete restrict;
