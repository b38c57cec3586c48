/** Whether a database exists on the shared server (asked as the admin). */
import { withConnection } from '../postgres/connect.ts';

export async function databaseExists(adminUrl: string, database: string): Promise<boolean> {
  return withConnection(adminUrl, { label: 'the admin connection', applicationName: 'berth', database: 'postgres' }, async (admin) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    return rowCount === 1;
  });
}
