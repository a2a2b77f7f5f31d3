/**
 * `hourglass import legacy|crontab|json`: moving schedules into Hourglass. Each source kind is
 * one entry of `sources` (its flags and how it builds an `ImportPlan`); all of them then go
 * through `applyImport` (one transaction, idempotent, `--dry-run`) and print the same report:
 * one line per source row, then the count check
 * `read N · created C · updated U · unchanged K · rejected R`. `--json` prints the report.
 *
 * Exit codes: 0 when the import ran, rejected rows included (they are listed with their
 * reason); 1 when rows were read and every one was rejected (nothing could be imported), or a
 * database failed; 2 bad usage or input (unknown format, bad table name, a missing table, an
 * unreadable file, a file that is not a crontab or export document).
 */
import { readFileSync } from 'node:fs';
import { createPostgresDatabase } from '../../db/pg.js';
import { applyImport } from '../../import/apply.js';
import { parseCrontab } from '../../import/crontab.js';
import { planFromDocument } from '../../import/document.js';
import { quoteIdentifier } from '../../import/legacy/read-legacy-table.js';
import type { RunImportPlan } from '../../import/legacy/scoring-runs.js';
import { isLegacyFormat, legacyFormats, planLegacyImport, planLegacyRunImport } from '../../import/legacy/plan-legacy-import.js';
import { readDatabaseNow } from '../../db/queries/database-now.js';
import type { ImportOutcome, ImportPlan, ImportReport } from '../../import/plan.js';
import type { Hourglass } from '../../hourglass.js';
import type { Output } from '../output.js';
import type { Command, CommandContext } from './index.js';
import { assertFlagsFor, assertNoExtraArguments, requireArgument, requireVerb, usageError, withHourglass } from './with-hourglass.js';

type Values = CommandContext['values'];

interface ImportSource {
  /** Flags of this source besides --dry-run and the global ones. */
  flags: readonly string[];
  /** Positional arguments after the verb. */
  arguments: number;
  plan(context: CommandContext, hourglass: Hourglass): Promise<PlannedImport>;
}

function stringFlag(values: Values, flag: string, required: true): string;
function stringFlag(values: Values, flag: string, required?: false): string | undefined;
function stringFlag(values: Values, flag: string, required = false): string | undefined {
  const value = values[flag];
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (required) throw usageError(`--${flag}: required`, flag);
  return undefined;
}

function readSourceFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${path === '-' ? 'stdin' : `"${path}"`}: ${(error as Error).message}`, 'file');
  }
}

interface PlannedImport {
  plan: ImportPlan;
  runs?: RunImportPlan;
}

async function planLegacy({ values }: CommandContext, hourglass: Hourglass): Promise<PlannedImport> {
  const format = stringFlag(values, 'format', true);
  if (!isLegacyFormat(format)) throw usageError(`--format: expected one of ${Object.keys(legacyFormats).join(', ')}, got "${format}"`, 'format');
  const sourceUrl = stringFlag(values, 'source-url', true);
  const table = stringFlag(values, 'table', true);
  const schema = stringFlag(values, 'schema');
  const runsTable = stringFlag(values, 'runs');
  // Checked before anything is opened: a bad name is bad input, whatever the databases say.
  for (const [name, field] of [[table, 'table'], [schema, 'schema'], [runsTable, 'runs']] as const) if (name !== undefined) quoteIdentifier(name, field);
  if (runsTable !== undefined && format !== 'scoring') throw usageError('--runs: run history is imported with --format scoring only', 'runs');
  // "In the past" (akeneo once rows) is judged by the clock that decides what is due.
  const runtime = await hourglass.ready();
  const now = await readDatabaseNow(runtime.db, runtime.clock);
  const source = await createPostgresDatabase({ connectionString: sourceUrl, maxConnections: 1, applicationName: 'hourglass-import' });
  try {
    const plan = await planLegacyImport(source, { format, table, schema, jobType: stringFlag(values, 'job-type'), now });
    const runs = runsTable === undefined ? undefined : await planLegacyRunImport(source, { runs: { schema, table: runsTable }, schedules: { schema, table } });
    return { plan, runs };
  } finally {
    await source.close();
  }
}

const sources: Record<string, ImportSource> = {
  legacy: { flags: ['source-url', 'table', 'format', 'schema', 'job-type', 'runs'], arguments: 0, plan: planLegacy },
  crontab: {
    flags: ['user-field'],
    arguments: 1,
    plan: async ({ positionals, values }) => {
      const file = requireArgument(positionals, 1, 'a crontab file (- for stdin)', 'file');
      return { plan: parseCrontab(readSourceFile(file), { file, userField: values['user-field'] === true }) };
    },
  },
  json: {
    flags: [],
    arguments: 1,
    plan: async ({ positionals }) => {
      const file = requireArgument(positionals, 1, 'an export document (- for stdin)', 'file');
      let json: unknown;
      try {
        json = JSON.parse(readSourceFile(file));
      } catch (error) {
        throw usageError(`"${file}" is not JSON: ${(error as Error).message}`, 'file');
      }
      return { plan: planFromDocument(json, file) };
    },
  },
};

const actionWords: Record<ImportOutcome['action'], [done: string, planned: string]> = {
  create: ['created', 'would create'],
  update: ['updated', 'would update'],
  unchanged: ['unchanged', 'unchanged'],
  reject: ['rejected', 'rejected'],
};

function detail(row: ImportOutcome): string {
  if (row.action === 'reject') return row.reason ?? '';
  if (row.action === 'update') return `${row.changes?.join(', ') ?? ''} (${row.scheduleId})`;
  return row.scheduleId ?? '';
}

/** The count check line; the same words in every import's output. */
export function formatCounts(report: ImportReport): string {
  return `read ${report.read} · created ${report.created} · updated ${report.updated} · unchanged ${report.unchanged} · rejected ${report.rejected}`;
}

function printReport(output: Output, report: ImportReport): void {
  output.line(`${report.dryRun ? 'Dry run (nothing written): ' : ''}${report.source}`);
  const rows = report.rows.map((row) => ({ action: actionWords[row.action][report.dryRun ? 1 : 0], row: row.label, source_ref: row.sourceRef, detail: detail(row) }));
  output.table(rows, ['action', 'row', 'source_ref', 'detail']);
  output.line(formatCounts(report));
}

export const importCommand: Command = {
  summary: 'import schedules: legacy tables, crontab files, export documents',
  usage: [
    'Usage:',
    '  hourglass import legacy --source-url URL --table NAME --format akeneo|plugin-cron|scoring',
    '                          [--schema S] [--job-type T] [--runs TABLE] [--dry-run] [--json]',
    '  hourglass import crontab FILE [--user-field] [--dry-run] [--json]',
    '  hourglass import json FILE [--dry-run] [--json]',
    '',
    'Upserts scheduled_jobs in one transaction; running the same import twice changes nothing.',
    'Prints one line per source row (created, updated, unchanged, or rejected with the reason),',
    'then: read N · created C · updated U · unchanged K · rejected R. --dry-run writes nothing.',
    '--runs TABLE (with --format scoring) also imports that run history into job_runs.',
    'Exit codes: 0 imported (rejected rows are listed), 1 every row rejected or a database failed,',
    '2 bad usage or input. See docs/import.md for the column mappings.',
  ].join('\n'),
  options: {
    'source-url': { type: 'string' },
    runs: { type: 'string' },
    table: { type: 'string' },
    format: { type: 'string' },
    schema: { type: 'string' },
    'job-type': { type: 'string' },
    'user-field': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  async run(context) {
    const verb = requireVerb(context.positionals, Object.keys(sources));
    const source = sources[verb]!;
    assertFlagsFor(verb, context.values, [...source.flags, 'dry-run']);
    assertNoExtraArguments(context.positionals, 1 + source.arguments);
    const report = await withHourglass(context, async (hourglass, actor) => {
      const { plan, runs } = await source.plan(context, hourglass);
      return applyImport(hourglass, plan, { dryRun: context.values['dry-run'] === true, actor, runs });
    });
    if (context.json) context.output.json(report);
    else {
      printReport(context.output, report);
      if (report.runs) {
        context.output.line();
        printReport(context.output, report.runs);
      }
    }
    // 1: rows were read and none could be imported (ExitCode.failure in main.ts).
    return report.read > 0 && report.rejected === report.read ? 1 : 0;
  },
};
