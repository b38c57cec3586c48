/** How berth's own image runs wherever it is rendered (migrations, backups). */
import type { Security } from '../config/resolved.ts';

/**
 * The berth image runs as the `node` user of its node base image (uid 1000). A name cannot be
 * checked against runAsNonRoot, so the id is given: Pod Security "restricted".
 */
export const BERTH_IMAGE_SECURITY: Security = {
  nonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: undefined,
  readOnlyRootFilesystem: false,
  capabilities: [],
};
