/** `berth db list`: the databases berth created on the server, with size, owner and sessions. */
import { withConnection } from '../postgres/connect.ts';
import { statementError } from '../postgres/errors.ts';
import { parseDatabaseComment } from '../model/database-names.ts';

export interface DatabaseInfo {
  name: string;
  app: string;
  environment: string;
  owner: string;
  /** Bytes; null when the admin may not see it (no CONNECT on the database). */
  sizeBytes: number | null;
  connections: number;
  connectionLimit: number | null;
}

export async function listAppDatabases(adminUrl: string, filter: { environment?: string } = {}): Promise<DatabaseInfo[]> {
  return withConnection(adminUrl, { label: 'the admin connection', applicationName: 'berth db list' }, async (admin) => {
    const { rows } = await admin
      .query(
        `SELECT d.datname AS name,
                pg_get_userbyid(d.datdba) AS owner,
                CASE WHEN has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid) END AS size,
                (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid)::int AS connections,
                NULLIF(r.rolconnlimit, -1) AS connection_limit,
                shobj_description(d.oid, 'pg_database') AS comment
           FROM pg_database d LEFT JOIN pg_roles r ON r.oid = d.datdba
          WHERE NOT d.datistemplate
          ORDER BY d.datname`,
      )
      .catch((error: unknown) => {
        throw statementError(error, 'list databases');
      });
    return rows.flatMap((row) => {
      const labelled = parseDatabaseComment(row.comment as string | null);
      if (!labelled || (filter.environment && labelled.environment !== filter.environment)) return [];
      return [
        {
          name: row.name as string,
          app: labelled.app,
          environment: labelled.environment,
          owner: row.owner as string,
          // pg returns bigint as a string.
          sizeBytes: row.size === null ? null : Number(row.size),
          connections: row.connections as number,
          connectionLimit: (row.connection_limit as number | null) ?? null,
        },
      ];
    });
  });
}
