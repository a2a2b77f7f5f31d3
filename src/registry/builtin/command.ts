/**
 * Built-in `command` job type (off unless `builtinJobs.command` is true): runs a program with
 * arguments, never through a shell, and writes its output to the run log line by line. Exit
 * code 0 completes the run; the signal kills the program on timeout or cancellation.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { defineJob } from '../../define.js';

const payloadSchema = z.strictObject({
  argv: z.array(z.string()).min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
});

export const commandJob = defineJob({
  name: 'command',
  description: 'Runs a program (argv, no shell); exit code 0 completes the run',
  payload: payloadSchema,
  async run(ctx) {
    const [program, ...args] = ctx.payload.argv;
    const child = spawn(program!, args, {
      cwd: ctx.payload.cwd,
      env: { ...process.env, ...ctx.payload.env },
      signal: ctx.signal,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines += 1;
      ctx.log.info(line);
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      lines += 1;
      ctx.log.warn(line);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    ctx.metrics.set('exit_code', code ?? -1);
    ctx.metrics.set('output_lines', lines);
    if (code !== 0) throw new Error(`${program} exited with code ${code}`);
    return { exitCode: code };
  },
});
