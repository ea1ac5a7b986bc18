// The report's schema id without zod, for code that stamps reports but never validates them (check, scan).
export const REPORT_SCHEMA = 'maildoctor/report@1';
