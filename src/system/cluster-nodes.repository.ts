import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

// cluster_nodes: where each serving node's API is reached by the others (server.advertiseUrl), so a
// request for a camera that another node ingests can be relayed to it. The camera's lease names the
// node; this table gives its address.

export class ClusterNodeRepository {
  constructor(private readonly db: Db) {}

  /**
   * Says where this node is reached (called at start and every minute). Rows of nodes unseen for ten
   * minutes (crashed) go at the same time.
   */
  async register(workerId: string, url: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('cluster_nodes')
        .where('worker_id', '<>', workerId)
        .where('seen_at', '<', sql<Date>`now() - interval '10 minutes'`)
        .execute();
      await trx.insertInto('cluster_nodes').values({ worker_id: workerId, url })
        .onConflict((oc) => oc.column('worker_id').doUpdateSet({ url, seen_at: sql<Date>`now()` }))
        .execute();
    });
  }

  async unregister(workerId: string): Promise<void> {
    await this.db.deleteFrom('cluster_nodes').where('worker_id', '=', workerId).execute();
  }

  /** The node's API base URL, if it said. */
  async urlOf(workerId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('cluster_nodes').select('url').where('worker_id', '=', workerId).executeTakeFirst();
    return row?.url;
  }
}
