/**
 * The steering controls of one schedule, shared by the schedules table and a schedule's page:
 * the Active switch, and the buttons run now, pause (note, optional end) or resume, backfill,
 * and delete (admin; never for code-defined schedules, whose rows the code owns).
 *
 * - Viewers see no control at all (the switch becomes the status badge).
 * - A dialog shows the API's refusal inside itself and stays open; a success closes it, toasts,
 *   and calls `onChanged` so the caller reloads (live events would too, a moment later).
 * - Focus goes back to the button that opened a dialog when it closes.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { FiringWire, ScheduledJobWire } from '../../../src/api/wire.js';
import { api } from '../api/client.js';
import { toApiError } from '../hooks.js';
import { useCan } from '../me.js';
import { viewerZone } from '../format.js';
import { Dialog } from './Dialog.js';
import { StatusBadge } from './Status.js';
import { useToast } from './Toast.js';

type Schedule = Pick<ScheduledJobWire, 'id' | 'name' | 'status' | 'source' | 'version' | 'pause_note' | 'paused_until'>;
type DialogKind = 'pause' | 'backfill' | 'delete';

/** The runs a firing queued (the overlap policy records skipped slots as skipped runs). */
const countStarted = (answer: FiringWire) => answer.runs.filter((run) => run.status !== 'skipped').length;
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
const schedulePath = (schedule: Schedule, action = '') => `/scheduled-jobs/${encodeURIComponent(schedule.id)}${action ? `/${action}` : ''}`;
/** A `datetime-local` value (the viewer's wall clock) as an ISO instant. */
const toInstant = (local: string) => new Date(local).toISOString();

export function ScheduleActions({ schedule, onChanged, onDeleted, compact = false }: { schedule: Schedule; onChanged?: () => void; onDeleted?: () => void; compact?: boolean }) {
  const canOperate = useCan('operator');
  const canAdmin = useCan('admin');
  const toast = useToast();
  const [open, setOpen] = useState<DialogKind | null>(null);
  const [busy, setBusy] = useState(false);
  const opener = useRef<HTMLButtonElement | null>(null);
  if (!canOperate) return null;

  const size = compact ? 'small' : '';
  const show = (kind: DialogKind) => (event: { currentTarget: HTMLButtonElement }) => {
    opener.current = event.currentTarget;
    setOpen(kind);
  };
  const close = () => {
    setOpen(null);
    requestAnimationFrame(() => opener.current?.isConnected && opener.current.focus());
  };
  const act = async (action: string, done: (answer: unknown) => string) => {
    setBusy(true);
    try {
      toast('ok', done(await api.post(schedulePath(schedule, action))));
      onChanged?.();
    } catch (error) {
      toast('error', `${schedule.name}: ${toApiError(error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="actions schedule-actions">
      <button type="button" className={size} disabled={busy} onClick={() => void act('trigger', (answer) => `Triggered ${schedule.name}: ${plural(countStarted(answer as FiringWire), 'run')}`)}>
        Run now
      </button>
      {schedule.status === 'active' ? (
        <button type="button" className={size} onClick={show('pause')}>
          Pause
        </button>
      ) : null}
      {schedule.status === 'paused' ? (
        <button type="button" className={size} disabled={busy} onClick={() => void act('resume', () => `Resumed ${schedule.name}`)}>
          Resume
        </button>
      ) : null}
      <button type="button" className={size} onClick={show('backfill')}>
        Backfill
      </button>
      {canAdmin && schedule.source !== 'code' ? (
        <button type="button" className={size} onClick={show('delete')}>
          Delete
        </button>
      ) : null}
      {open === 'pause' ? <PauseDialog schedule={schedule} onClose={close} onDone={onChanged} /> : null}
      {open === 'backfill' ? <BackfillDialog schedule={schedule} onClose={close} onDone={onChanged} /> : null}
      {open === 'delete' ? <DeleteDialog schedule={schedule} onClose={close} onDone={onDeleted ?? onChanged} /> : null}
    </div>
  );
}

/** A Dialog whose submit calls the API: the refusal shows inside, a success closes it. */
function ActionDialog({ title, submitLabel, danger, action, onClose, children }: { title: string; submitLabel: string; danger?: boolean; action: () => Promise<void>; onClose: () => void; children: ReactNode }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await action();
      setBusy(false);
      onClose();
    } catch (caught) {
      setError(toApiError(caught).message);
      setBusy(false);
    }
  };
  return (
    <Dialog open title={title} submitLabel={submitLabel} danger={danger} busy={busy} onSubmit={() => void submit()} onClose={onClose}>
      {children}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </Dialog>
  );
}

interface DialogProps {
  schedule: Schedule;
  onClose: () => void;
  onDone?: () => void;
}

function PauseDialog({ schedule, onClose, onDone }: DialogProps) {
  const toast = useToast();
  const id = useId();
  const [note, setNote] = useState('');
  const [until, setUntil] = useState('');
  const action = async () => {
    await api.post(schedulePath(schedule, 'pause'), { note: note.trim() || null, until: until ? toInstant(until) : null });
    toast('ok', until ? `Paused ${schedule.name} until ${new Date(until).toLocaleString()}` : `Paused ${schedule.name}`);
    onDone?.();
  };
  return (
    <ActionDialog title={`Pause ${schedule.name}`} submitLabel="Pause" action={action} onClose={onClose}>
      <label htmlFor={`${id}-note`}>Note</label>
      <textarea id={`${id}-note`} value={note} maxLength={2000} onChange={(event) => setNote(event.target.value)} placeholder="Why it is paused, for the people who see it" />
      <label htmlFor={`${id}-until`}>Until (optional)</label>
      <input id={`${id}-until`} type="datetime-local" value={until} onChange={(event) => setUntil(event.target.value)} aria-describedby={`${id}-until-hint`} />
      <p className="hint" id={`${id}-until-hint`}>
        In your time zone ({viewerZone}). Empty: paused until someone resumes it.
      </p>
    </ActionDialog>
  );
}

function BackfillDialog({ schedule, onClose, onDone }: DialogProps) {
  const toast = useToast();
  const id = useId();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const action = async () => {
    const answer = await api.post<FiringWire>(schedulePath(schedule, 'backfill'), { from: toInstant(from), to: toInstant(to) });
    const slots = answer.fired + answer.skipped;
    toast('ok', `Backfill of ${schedule.name}: ${plural(countStarted(answer), 'run')} for ${plural(slots, 'slot')}${answer.skipped ? `, ${answer.skipped} skipped by the overlap policy` : ''}`);
    onDone?.();
  };
  return (
    <ActionDialog title={`Backfill ${schedule.name}`} submitLabel="Backfill" action={action} onClose={onClose}>
      <p className="hint" id={`${id}-hint`}>
        Fires every slot after From up to To (at most 1,000), in your time zone ({viewerZone}). The overlap policy applies.
      </p>
      <label htmlFor={`${id}-from`}>From</label>
      <input id={`${id}-from`} type="datetime-local" required value={from} onChange={(event) => setFrom(event.target.value)} aria-describedby={`${id}-hint`} />
      <label htmlFor={`${id}-to`}>To</label>
      <input id={`${id}-to`} type="datetime-local" required value={to} onChange={(event) => setTo(event.target.value)} aria-describedby={`${id}-hint`} />
    </ActionDialog>
  );
}

function DeleteDialog({ schedule, onClose, onDone }: DialogProps) {
  const toast = useToast();
  const action = async () => {
    await api.delete(schedulePath(schedule));
    toast('ok', `Deleted ${schedule.name}`);
    onDone?.();
  };
  return (
    <ActionDialog title={`Delete ${schedule.name}?`} submitLabel="Delete" danger action={action} onClose={onClose}>
      <p>It will not fire again. Its runs stay in the history, no longer linked to a schedule.</p>
    </ActionDialog>
  );
}

/**
 * On when the schedule is active. Turning it on resumes a paused schedule and enables an
 * inactive one; turning it off disables it. Viewers see the status badge instead.
 */
export function ActiveSwitch({ schedule, onChanged }: { schedule: Schedule; onChanged?: () => void }) {
  const canOperate = useCan('operator');
  const toast = useToast();
  const [pending, setPending] = useState<boolean | null>(null);
  useEffect(() => setPending(null), [schedule.status, schedule.version]);
  if (!canOperate) return <StatusBadge status={schedule.status} />;

  const change = async (on: boolean) => {
    const action = on ? (schedule.status === 'paused' ? 'resume' : 'enable') : 'disable';
    setPending(on);
    try {
      await api.post(schedulePath(schedule, action));
      toast('ok', `${on ? 'Activated' : 'Deactivated'} ${schedule.name}`);
      onChanged?.();
    } catch (error) {
      setPending(null);
      toast('error', `${schedule.name}: ${toApiError(error).message}`);
    }
  };
  const pausedTitle = schedule.status === 'paused' ? [schedule.pause_note, schedule.paused_until ? `until ${new Date(schedule.paused_until).toLocaleString()}` : null].filter(Boolean).join(' · ') : undefined;
  return (
    <span className="active-switch">
      <input type="checkbox" role="switch" className="switch" aria-label={`Active: ${schedule.name}`} checked={pending ?? schedule.status === 'active'} disabled={pending !== null} onChange={(event) => void change(event.target.checked)} />
      {schedule.status === 'paused' ? (
        <span title={pausedTitle || undefined}>
          <StatusBadge status="paused" />
        </span>
      ) : null}
    </span>
  );
}
