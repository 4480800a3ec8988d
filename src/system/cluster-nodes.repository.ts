import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

// cluster_nodes: where each serving node's API is reached by the others (server.advertiseUrl), so a
// request for a camera that another node ingests can be relayed to it. The camera's lease names the
// node; this table gives its address.

export class ClusterNodeRepository {
  constructor(private readonly db: Db) {}

  /**
   * Says where this node is reached. Rows that crashed nodes left behind go at the same time, once
   * they hold no lease that has not lapsed (a live node's row is never taken).
   */
  async register(workerId: string, url: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('cluster_nodes')
        .where('worker_id', '<>', workerId)
        .where('started_at', '<', sql<Date>`now() - interval '1 hour'`)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('camera_leases as l').select(sql`1`.as('one'))
          .whereRef('l.worker_id', '=', 'cluster_nodes.worker_id')
          .where('l.expires_at', '>=', sql<Date>`now()`))))
        .execute();
      await trx.insertInto('cluster_nodes').values({ worker_id: workerId, url })
        .onConflict((oc) => oc.column('worker_id').doUpdateSet({ url }))
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
