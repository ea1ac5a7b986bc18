// One log line made fit to keep as an example in the evidence: mail addresses, Message-IDs, client addresses,
// password-like values and subjects masked, the length capped. What stays is the shape maildoctor could not read.

const MAX_LENGTH = 400;

// key=value pairs whose value is a secret or a message's own data; a subject runs to the next field.
const SECRET_FIELD = /\b((?:pass(?:word)?|passwd|pw|pwd|secret|token|auth|authorization|from|to|msgid|message-id)=)(<[^>]*>|"[^"]*"|[^\s,;]+)/gi;
const SUBJECT = /\b(subject=).*?(?=, [\w-]+=|$)/gi;
// "PASS hunter2", "AUTH PLAIN dXNlcgB1c2VyAHB3": protocol commands that carry a credential.
const SECRET_COMMAND = /\b(PASS|AUTH(?:ENTICATE)?\s+\S+|LOGIN\s+\S+)\s+\S+/g;
const ADDRESS = /[^\s<>()"',;:=[\]]+@[^\s<>()"',;:=[\]]+/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
// Eight hex groups, or a "::" form; not a time (14:29:09) or a C++ name (std::string).
const IPV6 = /(?<![\w:.])(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?)(?![\w:])/gi;
// A long base64 run (an AUTH payload pasted into a log line, a token).
const LONG_BASE64 = /[A-Za-z0-9+/]{32,}={0,2}/g;

export function maskLine(line: string): string {
  const masked = line
    .slice(0, MAX_LENGTH * 2)
    .replace(SECRET_FIELD, (_m, key: string) => `${key}***`)
    .replace(SUBJECT, (_m, key: string) => `${key}***`)
    .replace(SECRET_COMMAND, (_m, cmd: string) => `${cmd} ***`)
    .replace(ADDRESS, '<address>')
    .replace(IPV4, '<ip>')
    .replace(IPV6, '<ip>')
    .replace(LONG_BASE64, '***');
  return masked.length > MAX_LENGTH ? `${masked.slice(0, MAX_LENGTH)}…` : masked;
}
