// The POP3 connector: the probe that turns one short, read-only session into Pop3Evidence (client.ts is the
// wire client it drives).
export { probePop3 } from './probe.js';
