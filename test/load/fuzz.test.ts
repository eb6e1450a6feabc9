import t from 'tap';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/load/index.js';

// Whatever a file holds, the loader answers with a result — never a crash or a hang —
// and an invalid answer always carries at least one located error.
t.test('the loader never crashes on arbitrary text or arbitrary documents', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'doc.yaml');
  const kinds = fc.constantFrom('Cluster', 'Service', 'TaskDefinition', 'CloudMapNamespace', 'CloudMapService', 'CloudMapInstance', 'Other');
  const document = fc.record({
    apiVersion: fc.constantFrom('ecs-gitops.io/v1alpha1', 'v1'),
    kind: kinds,
    metadata: fc.record({ name: fc.string() }, { requiredKeys: [] }),
    spec: fc.anything(),
  }, { requiredKeys: [] });
  const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), document.map((d) => stringify(d)));
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(text, async (content) => {
      writeFileSync(file, content);
      const result = await loadConfig(dir);
      runs++;
      if (!result.ok) {
        return result.errors.length > 0 && result.errors.every((e) => e.line >= 1 && e.column >= 1 && e.message.length > 0);
      }
      return true;
    }),
    { numRuns: 300, seed: 20261122 },
  );
  t.equal(runs, 300, 'every generated input was loaded');
});
