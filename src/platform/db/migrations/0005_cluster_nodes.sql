-- Where each serving node's API is reached by the other nodes. A request that lands on a node for a
-- camera another node ingests (live video) is relayed to the node named by the camera's lease.
-- A row lives as long as its process: written when the node starts listening, removed when it stops;
-- rows a crashed node left are pruned by the next start once they hold no lease.
create table cluster_nodes (
  worker_id text primary key,
  url text not null,
  started_at timestamptz not null default now()
);
