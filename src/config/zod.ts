/**
 * zod, set up once for berth: a command parses one config and exits, so zod's JIT (it compiles a
 * parser for each object schema with `new Function` on first use) costs more than it saves
 * (~40 ms of a status or deploy here). Every schema module imports zod from here, so the
 * setting is in place before any schema is built.
 */
import { z } from 'zod';

z.config({ jitless: true });

export { z };
