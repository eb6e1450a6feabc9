// A reader for the Dockerfile, enough for the tests to follow what the image does:
// stages (FROM … AS name), their instructions with continuation lines joined, and the
// global ARG defaults that FROM lines may use.

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG defaults declared before the first FROM. */
  args: Map<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (current && line.trimStart().startsWith('#')) continue; // comments inside a continuation
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((current + line.trim()).trim());
    current = '';
  }
  if (current) logical.push(current.trim());

  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = { keyword: m[1].toUpperCase(), args: m[2] };
    if (instruction.keyword === 'FROM') {
      stages.push({ name: /\bAS\s+(\S+)/i.exec(instruction.args)?.[1], instructions: [instruction] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const a = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/.exec(instruction.args);
        if (a) args.set(a[1], a[2] ?? '');
      }
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** The stage the image runs: the last one. */
export function runtimeStage(dockerfile: Dockerfile): Stage {
  const stage = dockerfile.stages.at(-1);
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return stage;
}
