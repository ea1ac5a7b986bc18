import { ruleTester } from './rule-tester.js';
import { buildSnapshot, healthyPopOnlySpec, scenario, type ImapSpec } from '../support/snapshot-builder.js';

const DAY = 86_400;

function quietPopUser(mutate: (i: ImapSpec) => void = () => {}) {
  const spec = healthyPopOnlySpec();
  const imap = spec.imap as ImapSpec;
  imap.inbox = { uidNext: 801, ages: { lt30d: 93, older: 707 }, newestDaysAgo: 20, flags: { seen: 800 } };
  mutate(imap);
  return buildSnapshot(spec);
}

ruleTester('no-recent-mail', {
  valid: [
    { name: 'INBOX quiet but Junk got mail yesterday (mail arrives)', snapshot: quietPopUser((i) => i.folders!.push({ path: 'Spam', specialUse: '\\Junk', ages: { lt1d: 1 } })) },
    { name: 'a POP client takes mail away (the removal pattern), so the quiet INBOX proves nothing', snapshot: scenario('pop-single-device-deletes') },
    { name: 'quietDays raised by options', snapshot: quietPopUser(), options: { 'no-recent-mail': { quietDays: 30 } } },
  ],
  invalid: [
    {
      name: 'nothing new anywhere for 20 days → info',
      snapshot: quietPopUser(),
      findings: [{ severity: 'info', titleIncludes: ['20 days'], evidence: { newestAgeSeconds: 20 * DAY, newestFolder: 'INBOX', quietDays: 7, inboxMessages: 800 } }],
    },
    {
      name: 'a sent message is not incoming mail',
      snapshot: quietPopUser((i) => (i.folders![0] = { path: 'Sent', specialUse: '\\Sent', ages: { lt1d: 1 } })),
      findings: [{ severity: 'info', evidence: { newestAgeSeconds: 20 * DAY, newestFolder: 'INBOX', quietDays: 7, inboxMessages: 800 } }],
    },
  ],
});
