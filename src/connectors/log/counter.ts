// Counters as Dovecot writes them. Pure.

/**
 * A counter as Dovecot writes it: decimal digits, no more than Number can hold exactly. Anything else (1e400,
 * -3, 99999999999999999999) is null: the line is unreadable, never a rounded number reported as if true.
 */
export function counter(text: string | undefined): number | null {
  if (text === undefined || text.length === 0 || text.length > 16) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const n = Number(text);
  return n <= Number.MAX_SAFE_INTEGER ? n : null;
}
