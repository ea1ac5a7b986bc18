// Every single-valued option of every command, given twice, is a one-line usage error (exit 3) before anything
// touches the network. The options come from each command's own --help, so a new option is covered by itself.
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const COMMANDS: Record<string, string[]> = {
  check: [],
  probe: [],
  analyze: ['snap.json'],
  recommend: [],
  logs: ['some.log'],
  scan: ['accounts.csv'],
  watch: [],
  history: [],
  token: [],
};

interface Opt {
  flag: string;
  value: string;
}

function optionsFromHelp(help: string): Opt[] {
  const blocks: string[] = [];
  for (const line of help.split('\n')) {
    if (/^\s+(?:-\w, )?--[\w-]+/.test(line)) blocks.push(line);
    else if (line.trim() && blocks.length && /^\s{10,}/.test(line)) blocks[blocks.length - 1] += ` ${line.trim()}`;
  }
  const out: Opt[] = [];
  for (const b of blocks) {
    const flag = /--([\w-]+)/.exec(b)![1]!;
    if (flag === 'help' || flag === 'version' || /\[boolean\]/.test(b) || /\[array\]/.test(b)) continue;
    const choice = /\[choices: "([^"]+)"/.exec(b);
    out.push({ flag, value: choice ? choice[1]! : /\[number\]/.test(b) ? '5' : 'x' });
  }
  return out;
}

describe('a repeated single-valued option is refused', () => {
  for (const [cmd, positionals] of Object.entries(COMMANDS)) {
    it(`${cmd}: every single-valued option, twice`, async () => {
      const help = await runCli([cmd, '--help']);
      const opts = optionsFromHelp(help.stdout);
      expect(opts.length).toBeGreaterThan(0);
      for (const o of opts) {
        // 127.0.0.1 port 1 is closed: should anything reach the network it fails, but the error must come first.
        const r = await runCli([cmd, ...positionals, `--${o.flag}`, o.value, `--${o.flag}`, o.value]);
        expect(r.code, `${cmd} --${o.flag} twice: ${r.stderr}`).toBe(3);
        expect(r.stderr.trim().split('\n'), `${cmd} --${o.flag}`).toHaveLength(1);
        expect(r.stderr).toContain(`--${o.flag} was given 2 times`);
      }
    }, 120_000);
  }

  it('array options stay arrays (check --log a --log b is not a repeat error)', async () => {
    const r = await runCli(['check', '--log', '/nonexistent/a', '--log', '/nonexistent/b', '--user', 'u', '--host', '127.0.0.1']);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('given 2 times');
    expect(r.stderr).toContain('cannot read log');
  });

  it('--imap-tls given twice never reaches a connector', async () => {
    const r = await runCli(['check', '--host', '127.0.0.1', '--imap-port', '1', '--pop-port', '1', '--user', 'u', '--imap-tls', 'implicit', '--imap-tls', 'implicit'], {
      env: { MAILDOCTOR_PASSWORD: 'pw' },
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^maildoctor: --imap-tls was given 2 times/);
  });

  it('a usage error with --format nagios still prints the UNKNOWN line on stdout', async () => {
    const r = await runCli(['check', '--format', 'nagios', '--host', '127.0.0.1']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('MAILDOCTOR UNKNOWN - no account: give --user\n');
    expect(r.stderr).toBe('maildoctor: no account: give --user\n');
  });

  it('a usage error with --format openmetrics leaves maildoctor_status 3 for the textfile collector', async () => {
    const r = await runCli(['check', '--format', 'openmetrics', '--host', '127.0.0.1']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^# TYPE maildoctor_status gauge\n.*\nmaildoctor_status 3\n# EOF\n$/);
  });

  it('a usage error with -f junit (even a parse error) leaves a JUnit document with the reason escaped', async () => {
    const r = await runCli(['check', '-f', 'junit', '--bogus<&>', 'x']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^<\?xml version="1.0"/);
    expect(r.stdout).toContain('errors="1"');
    expect(r.stdout).toMatch(/<error message="Unknown argument[^"]*bogus&lt;&amp;&gt;/);
    expect(r.stdout).not.toMatch(/bogus<&>/);
  });
});

describe('help that leads somewhere (issue 11)', () => {
  it('no command lists every command once and points to --help once', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('maildoctor: say which command: check, probe, discover, analyze, history, recommend, logs, scan, watch or token (see maildoctor --help)\n');
  });

  it("a usage error points to the command's own --help", async () => {
    const r = await runCli(['check', '--bogus']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^maildoctor: Unknown argument: bogus \(see maildoctor check --help\)\n$/);
  });

  it.each(['check', 'probe', 'discover', 'analyze', 'history', 'recommend', 'logs', 'scan', 'watch', 'token'])('%s --help has examples', async (command) => {
    const r = await runCli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nExamples:\n {2}(MAILDOCTOR_PASSWORD=… )?maildoctor /);
  });

  it.each(['check', 'analyze', 'logs'])('%s --help gives --no-history a line of its own', async (command) => {
    const r = await runCli([command, '--help']);
    expect(r.stdout).toMatch(/\n {2,}--no-history {2,}\S/);
    expect(r.stdout).not.toContain('--no-history to skip');
  });
});

describe('check --help: the test log and the login-only check', () => {
  it('lists --verbose (and what it does with --quiet), --include-log and --just-login, with an example', async () => {
    const r = await runCli(['check', '--help']);
    expect(r.code).toBe(0);
    const flat = r.stdout.replace(/\s+/g, ' ');
    expect(flat).toMatch(/--verbose Print the test log on stderr as it happens: .*--quiet does not silence it/);
    expect(flat).toMatch(/--include-log Put the test log into the report/);
    expect(flat).toMatch(/--just-login Only connect, set up TLS and log in on both protocols, then log out/);
    expect(r.stdout).toContain('--just-login --verbose');
  });

  it('--verbose, --include-log and --just-login are flags: given twice they are no repeat error', async () => {
    const r = await runCli(['check', '--verbose', '--verbose', '--just-login', '--just-login', '--include-log', '--include-log', '--user', 'u']);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('given 2 times');
  });
});

describe('--tz', () => {
  it('an unknown zone is a usage error before anything is probed', async () => {
    const r = await runCli(['check', '--host', '127.0.0.1', '--user', 'u', '--tz', 'Mars/Olympus']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^maildoctor: --tz Mars\/Olympus: not a time zone \(use an IANA name such as Europe\/Berlin, or UTC\)/);
  });
});
