import { useEffect, useRef, type FormEvent, type ReactNode } from 'react';

/**
 * A modal form on the native `<dialog>` (focus moves in and back, Escape closes). `onSubmit`
 * may throw: the dialog stays open and the caller shows the error inside it.
 */
export function Dialog({
  open,
  title,
  submitLabel,
  danger = false,
  busy = false,
  onSubmit,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  submitLabel: string;
  danger?: boolean;
  busy?: boolean;
  onSubmit: () => void;
  onClose: () => void;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };

  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-labelledby="dialog-title">
      {open ? (
        <form onSubmit={submit}>
          <h2 id="dialog-title">{title}</h2>
          {children}
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
              {submitLabel}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
