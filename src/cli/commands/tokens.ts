/**
 * `hourglass tokens create|ls|revoke`: bearer tokens of the admin API and console. `create`
 * prints the secret once (only its SHA-256 is stored); `ls` never shows secrets. `--json`
 * prints the REST API's shapes (snake_case; `create` adds the secret as `token`). The actor in
 * the audit log is `cli:<os user>`.
 */
import type { ApiToken } from '../../services/tokens.js';
import { serializeToken } from '../../api/serialize.js';
import type { Command } from './index.js';
import { assertFlagsFor, assertNoExtraArguments, requireArgument, requireVerb, withHourglass } from './with-hourglass.js';

const tokenColumns = ['id', 'name', 'role', 'tenant', 'created_at', 'last_used_at', 'revoked_at'];

function tokenRow(token: ApiToken) {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    tenant: token.tenantId ?? '(all)',
    created_at: token.createdAt,
    last_used_at: token.lastUsedAt,
    revoked_at: token.revokedAt,
  };
}

const verbFlags: Record<string, readonly string[]> = {
  create: ['name', 'role', 'tenant'],
  ls: ['all'],
  revoke: [],
};
const verbs = Object.keys(verbFlags);

export const tokensCommand: Command = {
  summary: 'manage API tokens (create, ls, revoke)',
  usage: [
    'Usage: hourglass tokens <verb> [options]',
    '',
    '  create --name NAME --role admin|operator|viewer [--tenant T]',
    '                 prints the token once; a --tenant token sees and changes that tenant only',
    '  ls [--all]     live tokens (--all: revoked too); never their secrets',
    '  revoke ID|NAME',
    '  --json         machine-readable output (create: the token object with its secret as "token")',
    '',
    'Exit codes: 0 ok, 1 failure, 2 bad input, 3 not found.',
  ].join('\n'),
  options: {
    name: { type: 'string' },
    role: { type: 'string' },
    tenant: { type: 'string' },
    all: { type: 'boolean' },
  },
  async run(context) {
    const { positionals, values, output, json } = context;
    const verb = requireVerb(positionals, verbs);
    assertFlagsFor(verb, values, verbFlags[verb]!);
    const id = verb === 'revoke' ? requireArgument(positionals, 1, 'a token id or name', 'id') : undefined;
    assertNoExtraArguments(positionals, verb === 'revoke' ? 2 : 1);

    return withHourglass(context, async (hourglass, actor) => {
      if (verb === 'create') {
        const { token, secret } = await hourglass.tokens.create(
          { name: values.name as string, role: values.role as ApiToken['role'], tenantId: values.tenant as string | undefined },
          actor,
        );
        if (json) {
          output.json({ ...serializeToken(token), token: secret });
          return 0;
        }
        const scope = token.tenantId === null ? 'every tenant' : `tenant "${token.tenantId}"`;
        output.line(`Created ${token.role} token "${token.name}" (${scope}), id ${token.id}:`);
        output.line('');
        output.line(`  ${secret}`);
        output.line('');
        output.line('It is shown only this once (only its hash is stored): copy it now. Send it as "Authorization: Bearer <token>".');
        return 0;
      }
      if (verb === 'ls') {
        const tokens = await hourglass.tokens.list({ includeRevoked: values.all === true }, actor);
        if (json) output.json(tokens.map(serializeToken));
        else output.table(tokens.map(tokenRow), tokenColumns);
        return 0;
      }
      const revoked = await hourglass.tokens.revoke(id!, actor);
      if (json) output.json(serializeToken(revoked));
      else output.line(`Revoked token "${revoked.name}" (${revoked.id}).`);
      return 0;
    });
  },
};
