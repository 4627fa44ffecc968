// A real OpenID Connect provider (the certified `oidc-provider` package) configured like ProConnect: the
// authorization-code flow with PKCE, ProConnect's scopes and claims, userinfo answered as a signed JWT and
// logout through the end-session endpoint. Started by the test suite (tests/oidc_provider/__init__.py):
//   node server.mjs CONFIG.json
// CONFIG.json: {"client": {client_id, client_secret, redirect_uris, post_logout_redirect_uris},
//               "users": {"<sub>": {"password": "...", "claims": {email, given_name, usual_name, siret, uid, idp_id}}}}
// It listens on a free port of 127.0.0.1 and prints one line, `{"issuer": "http://127.0.0.1:PORT"}`, once ready.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = config.users;

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

function loginPage(uid, error = '') {
  return page('ProConnect (fournisseur de test)', `
    ${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="/interaction/${escape(uid)}/login">
      <label>Adresse électronique <input type="email" name="email" autocomplete="username" required></label>
      <label>Mot de passe <input type="password" name="password" autocomplete="current-password" required></label>
      <button type="submit">Se connecter</button>
    </form>
    <form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Annuler</button></form>`);
}

function consentPage(uid, clientId) {
  return page('Autoriser le service', `
    <p>Le service ${escape(clientId)} demande votre identité.</p>
    <form method="post" action="/interaction/${escape(uid)}/confirm"><button type="submit">Autoriser</button></form>
    <form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Refuser</button></form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

  const provider = new Provider(issuer, {
    clients: [Object.fromEntries(Object.entries({
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
      // ProConnect answers userinfo as a signed JWT; a client configured with null gets plain JSON.
      userinfo_signed_response_alg: 'RS256',
      ...config.client,
    }).filter(([, value]) => value !== null))],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'email', 'given_name', 'usual_name', 'siret', 'uid', 'idp_id'],
    claims: {
      openid: ['sub'],
      email: ['email'],
      given_name: ['given_name'],
      usual_name: ['usual_name'],
      siret: ['siret'],
      uid: ['uid'],
      idp_id: ['idp_id'],
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Déconnexion de ProConnect', `${form}
            <button type="submit" form="op.logoutForm" value="yes" name="logout">Se déconnecter</button>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Vous êtes déconnecté·e de ProConnect', '');
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      if (!users[sub]) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...users[sub].claims }) };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Erreur du fournisseur', `<pre>${escape(JSON.stringify(out))}</pre>`);
    },
  });

  const providerCallback = provider.callback();

  async function interaction(req, res, uid, action) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'GET' && !action) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(details.prompt.name === 'login' ? loginPage(uid) : consentPage(uid, details.params.client_id));
      return;
    }
    if (req.method !== 'POST') { res.statusCode = 405; res.end(); return; }
    if (action === 'abort') {
      await provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
      return;
    }
    if (action === 'login') {
      const form = await readForm(req);
      const sub = Object.keys(users).find((key) => users[key].claims.email === form.get('email'));
      if (!sub || users[sub].password !== form.get('password')) {
        res.statusCode = 200;
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(loginPage(uid, 'Adresse ou mot de passe incorrect.'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
      return;
    }
    if (action === 'confirm') {
      const { prompt: { details: missing }, grantId, session, params } = details;
      const grant = grantId ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, {
        mergeWithLastSubmission: true,
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  }

  server.on('request', (req, res) => {
    const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm|abort))?\/?(?:\?.*)?$/.exec(req.url);
    if (!match) { providerCallback(req, res); return; }
    interaction(req, res, match[1], match[2]).catch((error) => {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page('Erreur du fournisseur', `<p>${escape(error.message)}</p>`));
    });
  });

  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
