-- Where each serving node's API is reached by the other nodes. A request that lands on a node for a
-- camera another node ingests (live video) is relayed to the node named by the camera's lease.
-- A node writes its row when it starts listening and again every minute (seen_at), and removes it when
-- it stops; rows unseen for ten minutes (a crashed node) are pruned by the next node that writes.
create table cluster_nodes (
  worker_id text primary key,
  url text not null,
  started_at timestamptz not null default now(),
  seen_at timestamptz not null default now()
);
