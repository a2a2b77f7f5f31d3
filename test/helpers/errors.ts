/**
 * Catching the HourglassError a call throws, to assert on its code, field and message.
 */
import { HourglassError } from '../../src/errors.js';

/** The HourglassError `run` throws synchronously; anything else fails the test. */
export function thrown(run: () => unknown): HourglassError {
  try {
    run();
  } catch (error) {
    if (error instanceof HourglassError) return error;
    throw error;
  }
  throw new Error('expected a HourglassError');
}

/** The HourglassError `promise` rejects with; anything else fails the test. */
export async function rejected(promise: Promise<unknown>): Promise<HourglassError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HourglassError) return error;
    throw error;
  }
  throw new Error('expected a HourglassError');
}
