/**
 * `hourglass export [--output FILE]`: every schedule (all tenants, code-defined ones too) as
 * an export document (`src/import/document.ts`), pretty JSON, on stdout or in FILE.
 * `hourglass import json FILE` reads it back: into the same database it changes nothing,
 * into another it recreates the schedules with the same ids.
 *
 * The document is JSON whatever the flags: a table of definitions helps nobody, and
 * `schedules ls` is the view for people. `--json` is accepted (and is the default) so scripts
 * can pass it as to every other command; with `--output` it makes the confirmation JSON too.
 */
import { writeFileSync } from 'node:fs';
import { ErrorCode, HourglassError } from '../../errors.js';
import { exportDocument } from '../../import/document.js';
import type { ScheduledJob } from '../../model.js';
import type { Hourglass } from '../../hourglass.js';
import type { Actor } from '../../services/actor.js';
import type { Command } from './index.js';
import { assertNoExtraArguments, usageError, withHourglass } from './with-hourglass.js';

const PAGE_SIZE = 500;

/** Every schedule the actor sees, page by page (ordered by name, then id). */
async function listAllSchedules(hourglass: Hourglass, actor: Actor): Promise<ScheduledJob[]> {
  const all: ScheduledJob[] = [];
  let cursor: string | undefined;
  do {
    const page = await hourglass.schedules.list({ limit: PAGE_SIZE, cursor }, actor);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export const exportCommand: Command = {
  summary: 'write every schedule as a JSON document that "import json" reads back',
  usage: [
    'Usage: hourglass export [--output FILE] [--json]',
    '',
    '  --output FILE   write the document to FILE (default: stdout)',
    '  --json          the default: the document is always JSON; with --output, the confirmation is JSON too',
    '',
    'The document holds each schedule\'s definition (id, key, name, target, timing, policies, payload,',
    'metadata, status), not its runs or counters: {"hourglass_export": 1, "exported_at", "schedules": [...]}.',
    'Read it back with: hourglass import json FILE',
    '',
    'Exit codes: 0 ok, 1 failure (database unreachable or held, file not writable), 2 bad usage.',
  ].join('\n'),
  options: {
    output: { type: 'string', short: 'o' },
  },
  async run(context) {
    const { values, positionals, output, json } = context;
    assertNoExtraArguments(positionals, 0);
    const file = values.output as string | undefined;
    if (file === '') throw usageError('--output: expected a file name', 'output');

    const schedules = await withHourglass(context, listAllSchedules);
    const document = exportDocument(schedules, { exportedAt: new Date() });
    if (file === undefined || file === '-') {
      output.json(document);
      return 0;
    }
    try {
      writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    } catch (error) {
      throw new HourglassError(ErrorCode.internalError, `cannot write ${file}: ${(error as Error).message}`, { cause: error });
    }
    if (json) output.json({ file, schedules: schedules.length, exported_at: document.exported_at });
    else output.line(`Exported ${schedules.length} schedule${schedules.length === 1 ? '' : 's'} to ${file}.`);
    return 0;
  },
};
