// `maildoctor token`: an OAuth2 access token by the device authorization grant (RFC 8628), written to a file
// for --oauth2-token-file. The code to enter goes to stderr; the token itself is never printed.
import type { Argv } from 'yargs';
import { EXIT, UsageError } from './errors.js';

const PROVIDER_NAMES = ['microsoft', 'google'] as const;

interface TokenArgs {
  provider?: (typeof PROVIDER_NAMES)[number];
  issuer?: string;
  clientId: string;
  scope?: string;
  out: string;
  timeout: number;
}

export function registerToken<T>(cli: Argv<T>) {
  return cli.command(
    'token',
    'Get an OAuth2 access token by the device authorization grant (enter a code in a browser), for --oauth2-token-file',
    (y) =>
      y
        .option('provider', { choices: PROVIDER_NAMES, describe: 'Known issuer with its IMAP and POP scopes: only --client-id is needed' })
        .option('issuer', { type: 'string', describe: 'The authorization server (its metadata is read from /.well-known/)' })
        .option('client-id', { type: 'string', demandOption: true, describe: 'The OAuth2 client (app registration) id; a secret, if needed, from MAILDOCTOR_OAUTH2_CLIENT_SECRET' })
        .option('scope', { type: 'string', describe: "Scopes to ask for, space-separated (default: the provider's mail scopes)" })
        .option('out', { type: 'string', default: 'oauth2-token', describe: 'Write the access token (first line), the refresh token (second) and where to refresh it (third) here, mode 0600' })
        .option('timeout', { type: 'number', default: 20, describe: 'Deadline of each HTTP request, in seconds' })
        .example('$0 token --provider microsoft --client-id 00000000-0000-0000-0000-000000000000 --out ~/.maildoctor-token', 'Microsoft 365: enter the code shown at the URL shown')
        .example('$0 check --host outlook.office365.com --user alice@example.com --oauth2-token-file ~/.maildoctor-token', 'then check the mailbox with that token'),
    async (argv) => {
      const args = argv as unknown as TokenArgs;
      const { PROVIDERS, runDeviceFlow, DeviceFlowError } = await import('../oauth/device.js');
      const { writeTokenFile } = await import('../oauth/token-file.js');
      const preset = args.provider ? PROVIDERS[args.provider] : undefined;
      const issuer = args.issuer ?? preset?.issuer;
      const scope = args.scope ?? preset?.scope;
      if (!issuer) throw new UsageError('say which authorization server: --issuer URL or --provider microsoft|google');
      if (!scope) throw new UsageError('say which scopes to ask for: --scope');
      if (!(args.timeout > 0) || args.timeout > 3600) throw new UsageError(`--timeout must be between 0 and 3600 seconds, got ${args.timeout}`);
      try {
        const tokens = await runDeviceFlow({
          issuer,
          clientId: args.clientId,
          clientSecret: process.env.MAILDOCTOR_OAUTH2_CLIENT_SECRET || undefined,
          scope,
          timeoutMs: Math.round(args.timeout * 1000),
          onPrompt: (p) => {
            const url = p.verificationUriComplete ?? p.verificationUri;
            process.stderr.write(`To sign in, open ${url} and enter the code ${p.userCode} (within ${Math.round(p.expiresInSeconds / 60)} min).\n`);
          },
        });
        await writeTokenFile(args.out, tokens, args.clientId);
        const life = tokens.expiresInSeconds ? `, valid for ${Math.round(tokens.expiresInSeconds / 60)} min` : '';
        process.stderr.write(`Wrote the access token${tokens.refreshToken ? ' and a refresh token (used by check, probe, watch and scan when the access token expires or is refused)' : ''} to ${args.out}${life}: use --oauth2-token-file ${args.out}\n`);
        process.exitCode = EXIT.ok;
      } catch (e) {
        if (!(e instanceof DeviceFlowError)) throw e;
        process.stderr.write(`maildoctor: ${e.message}\n`);
        process.exitCode = EXIT.unknown;
      }
    },
  );
}
