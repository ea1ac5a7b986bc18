// The POP3 connector: the probe that turns one short, read-only session into Pop3Evidence (client.ts is the
// wire client it drives), or a login-only session into what the login showed.
export { probePop3, probePop3Login } from './probe.js';
