// What examples/ holds, counted by loading it as the controller does: tests that sync
// the examples compare against these numbers, so adding an example changes no test.
import { join, resolve } from 'node:path';
import type { Kind } from '../../src/api/kinds.js';
import { loadConfig } from '../../src/load/index.js';

const loaded = await loadConfig(join(resolve(import.meta.dirname, '../..'), 'examples'));
if (!loaded.ok) throw new Error('examples/ does not load');
const kinds = [...loaded.state.resources.values()].map((r) => r.kind);

/** The examples' documents: in all, and of one kind. */
export const EXAMPLES = {
  total: kinds.length,
  of: (kind: Kind) => kinds.filter((k) => k === kind).length,
};
