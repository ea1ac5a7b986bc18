// Numbers a server sends are checked where they are read: one that no honest server could send (negative, beyond
// what the protocol allows, beyond what a double holds exactly) is recorded as an anomaly and its value treated
// as unknown. The connectors push into the probe's list, which becomes snapshot.anomalies.
import type { Anomaly, AnomalyKind } from '../snapshot/schema.js';
import { oneLine } from './common.js';

/** IMAP message counts, UIDs and UIDNEXT are 32-bit unsigned (RFC 3501 number / nz-number). */
export const MAX_UINT32 = 0xffffffff;

export function anomaly(protocol: Anomaly['protocol'], step: string, kind: AnomalyKind, detail: string): Anomaly {
  return { protocol, step, kind, detail: oneLine(detail, 240) };
}

/** A value as the server sent it, short: numbers in full digits where they have them. */
export function shown(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 1e21) return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
  return oneLine(String(value), 40);
}

/**
 * The anomaly of a count the server sent for `what`, or null when it is an integer from 0 to `max`
 * (default: the largest integer a double holds exactly).
 */
export function countAnomaly(protocol: Anomaly['protocol'], step: string, what: string, value: unknown, max = Number.MAX_SAFE_INTEGER): Anomaly | null {
  if (value === undefined || value === null) return anomaly(protocol, step, 'not-a-number', `${what} is missing or unreadable`);
  if (typeof value !== 'number' || Number.isNaN(value)) return anomaly(protocol, step, 'not-a-number', `${what} is ${shown(value)}, not a number`);
  if (!Number.isInteger(value)) return anomaly(protocol, step, 'not-a-number', `${what} is ${shown(value)}, not a whole number`);
  if (value < 0) return anomaly(protocol, step, 'out-of-range', `${what} is negative (${shown(value)})`);
  if (value > max) {
    const bound = max === MAX_UINT32 ? 'the 32-bit range the protocol allows' : 'what can be counted exactly (2^53)';
    return anomaly(protocol, step, 'out-of-range', `${what} is ${shown(value)}, beyond ${bound}`);
  }
  return null;
}
