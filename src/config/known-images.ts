/**
 * Official images whose start-up needs are well known, so `berth validate` can say when a
 * security setting will stop them. Matched by repository (Docker Hub's library images).
 */
import { parseImage } from './image-ref.ts';

export interface KnownImage {
  /** How the image starts, for messages. */
  startsAs: string;
  /** Starts only as root (runAsNonRoot cannot work, whatever the user id). */
  needsRoot: boolean;
  /** Where it writes outside its data volume: a read-only root filesystem needs volumes there. */
  writes: string[];
  /** Looks like a database: one writer per data directory. */
  stateful: boolean;
}

const KNOWN: Record<string, KnownImage> = {
  postgres: {
    startsAs: 'starts as root to prepare its data directory, then switches to the postgres user (uid 999)',
    needsRoot: false,
    writes: ['/var/run/postgresql'],
    stateful: true,
  },
  nginx: {
    startsAs: 'starts its master process as root and its workers as nginx (uid 101)',
    needsRoot: true,
    writes: ['/var/cache/nginx', '/var/run'],
    stateful: false,
  },
  httpd: { startsAs: 'starts as root and serves as www-data', needsRoot: true, writes: ['/usr/local/apache2/logs'], stateful: false },
  mysql: {
    startsAs: 'starts as root to prepare its data directory, then switches to the mysql user',
    needsRoot: false,
    writes: ['/var/run/mysqld'],
    stateful: true,
  },
  mariadb: {
    startsAs: 'starts as root to prepare its data directory, then switches to the mysql user',
    needsRoot: false,
    writes: ['/run/mysqld'],
    stateful: true,
  },
  redis: { startsAs: 'starts as root to own /data, then switches to the redis user', needsRoot: false, writes: [], stateful: true },
  mongo: { startsAs: 'starts as root to own its data directory, then switches to the mongodb user', needsRoot: false, writes: ['/tmp'], stateful: true },
};

export function knownImage(image: string): (KnownImage & { name: string }) | undefined {
  const repository = parseImage(image).repository.replace(/^(docker\.io\/|index\.docker\.io\/)?(library\/)?/, '');
  const found = KNOWN[repository];
  return found ? { ...found, name: repository } : undefined;
}
