// An OpenID Provider built on oidc-provider, for the interoperability
// tests of package client. Everything is kept in memory. Usage:
//
//     node server.mjs PORT REDIRECT_URI...
//
// It listens on http://127.0.0.1:PORT, which is also its issuer. Three
// confidential clients are registered with the REDIRECT_URIs, one per
// token endpoint authentication method:
//
//     basic   secret "basic-secret"  client_secret_basic
//     post    secret "post-secret"   client_secret_post
//     jwt     private_key_jwt with the public key in rp_jwks.json
//
// The login and consent pages are replaced by /interaction/UID, which
// signs the single user "jane" in and grants whatever the client asked for
// at once, so a test can drive the flow with an HTTP client that follows
// redirects and keeps cookies. A request with login_hint=deny is refused
// with access_denied instead. Refresh tokens are rotated at every use; a
// used one that comes back is refused and revokes the grant.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const [port, ...redirectURIs] = process.argv.slice(2);
if (!port || redirectURIs.length === 0) {
  console.error('usage: node server.mjs PORT REDIRECT_URI...');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const rpJWKS = JSON.parse(readFileSync(new URL('./rp_jwks.json', import.meta.url)));

// A fresh signing key for ID tokens on every start.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'op-rs256', alg: 'RS256', use: 'sig' };

const accounts = {
  jane: {
    sub: 'jane',
    name: 'Jane Doe',
    preferred_username: 'jane',
    email: 'jane@example.test',
    email_verified: true,
  },
};

const client = (extra) => ({
  redirect_uris: redirectURIs,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  ...extra,
});

const provider = new Provider(issuer, {
  clients: [
    client({ client_id: 'basic', client_secret: 'basic-secret', token_endpoint_auth_method: 'client_secret_basic' }),
    client({ client_id: 'post', client_secret: 'post-secret', token_endpoint_auth_method: 'client_secret_post' }),
    client({
      client_id: 'jwt',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: rpJWKS,
    }),
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  async findAccount(_ctx, id) {
    const account = accounts[id];
    if (!account) {
      return undefined;
    }
    return { accountId: id, async claims() { return { ...account }; } };
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  rotateRefreshToken: () => true,
});

provider.on('server_error', (_ctx, err) => console.error('server_error', err));

// interaction finishes the pending login or consent prompt at once.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (params.login_hint === 'deny') {
    await provider.interactionFinished(req, res,
      { error: 'access_denied', error_description: 'jane said no' }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res,
      { login: { accountId: 'jane' } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) {
    grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  }
  if (missing.missingOIDCClaims) {
    grant.addOIDCClaims(missing.missingOIDCClaims);
  }
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (!req.url.startsWith('/interaction/')) {
    handle(req, res);
    return;
  }
  interaction(req, res).catch((err) => {
    console.error('interaction', err);
    res.statusCode = 500;
    res.end(String(err));
  });
});

server.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider ${issuer}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
