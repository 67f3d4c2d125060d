// A real OpenID Provider (node "oidc-provider", certified OpenID Connect implementation) with
// eHerkenning-like test accounts, for the portal's tests and the local demo (`make oidc`).
// Configuration from the environment:
//   OIDC_PROVIDER_PORT (9090), OIDC_PROVIDER_HOST (127.0.0.1), OIDC_CLIENT_ID (imvo-portal),
//   OIDC_CLIENT_SECRET (imvo-demo-secret), OIDC_REDIRECT_URIS and OIDC_POST_LOGOUT_REDIRECT_URIS
//   (space separated; defaults for `make run` on 127.0.0.1:8000 and localhost:8000), OIDC_PKJWT_JWKS
//   (public keys of a second client, "<client id>-pkjwt", that authenticates with private_key_jwt),
//   OIDC_PROVIDER_JWKS (the provider's own signing keys as a private JWK set; default: new ones).
// Its built-in login page accepts any password; the login name picks one of ACCOUNTS below.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PROVIDER_PORT || 9090);
const host = process.env.OIDC_PROVIDER_HOST || "127.0.0.1";
const issuer = `http://${host}:${port}`;
const clientId = process.env.OIDC_CLIENT_ID || "imvo-portal";
const clientSecret = process.env.OIDC_CLIENT_SECRET || "imvo-demo-secret";
const portals = ["http://127.0.0.1:8000", "http://localhost:8000"];
const split = (value, fallback) => (value ? value.split(/\s+/).filter(Boolean) : fallback);
const redirectUris = split(process.env.OIDC_REDIRECT_URIS, portals.map((p) => `${p}/accounts/eherkenning/callback/`));
const postLogoutUris = split(process.env.OIDC_POST_LOGOUT_REDIRECT_URIS, portals.map((p) => `${p}/`));

const LOA3 = "urn:etoegang:core:assurance-class:loa3";
const SERVICE = "IMVO-verklaring afgeven";
const KVK = "urn:etoegang:core:LegalSubjectID";
const BRANCH = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr";
const AUTHORISATION = "urn:etoegang:core:ServiceName";

// Login name -> claims. "sub" is the broker's pseudonym of the acting person (the same for both
// logins of the person acting for two organisations).
export const ACCOUNTS = {
  "eh-signatory": {
    sub: "pseudo-7f3a1c", name: "Sanne de Vries", email: "sanne@zonnepanelen.example",
    [KVK]: "70000001", [BRANCH]: "000012345678", loa: LOA3, [AUTHORISATION]: [SERVICE],
  },
  "eh-employee": {
    sub: "pseudo-2b9d44", name: "Joost Bakker", email: "joost@zonnepanelen.example",
    [KVK]: "70000001", loa: LOA3, [AUTHORISATION]: [],
  },
  "eh-level2": {
    sub: "pseudo-55e0aa", name: "Lotte Visser", email: "lotte@laagniveau.example",
    [KVK]: "70000003", loa: "urn:etoegang:core:assurance-class:loa2", [AUTHORISATION]: [SERVICE],
  },
  // One person acting for two organisations: the same pseudonym, a different KvK number per login.
  "eh-multi-a": {
    sub: "pseudo-9c1e07", name: "Ahmed El Amrani", [KVK]: "70000004", loa: LOA3, [AUTHORISATION]: [SERVICE],
  },
  "eh-multi-b": {
    sub: "pseudo-9c1e07", name: "Ahmed El Amrani", [KVK]: "90000002",
    loa: "urn:etoegang:core:assurance-class:loa4", [AUTHORISATION]: [SERVICE],
  },
};

const CLAIMS = ["name", "email", KVK, BRANCH, AUTHORISATION, "loa"];

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });

const clients = [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: process.env.OIDC_ID_TOKEN_ALG || "RS256",
      // eHerkenning pseudonyms are per service: "sub" is the account's pseudonym, not its login name.
      subject_type: "pairwise",
    },
];
// A second client that authenticates with private_key_jwt, when its public keys are given.
if (process.env.OIDC_PKJWT_JWKS) {
  clients.push({
    ...clients[0],
    client_id: `${clientId}-pkjwt`,
    client_secret: undefined,
    token_endpoint_auth_method: "private_key_jwt",
    token_endpoint_auth_signing_alg: "RS256",
    jwks: JSON.parse(process.env.OIDC_PKJWT_JWKS),
  });
}

const configuration = {
  clients,
  // OIDC_PROVIDER_JWKS (private keys, JWK set) lets a test restart the provider with other keys (rotation).
  jwks: process.env.OIDC_PROVIDER_JWKS
    ? JSON.parse(process.env.OIDC_PROVIDER_JWKS)
    : { keys: [{ ...rsa, kid: "rsa-1", use: "sig", alg: "RS256" }, { ...ec, kid: "ec-1", use: "sig", alg: "ES256" }] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  pkce: { required: () => true },
  claims: { openid: ["sub"], eherkenning: CLAIMS },
  scopes: ["openid", "eherkenning"],
  // Claims in the ID token itself (as eHerkenning brokers send them), not only at userinfo.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  subjectTypes: ["public", "pairwise"],
  async pairwiseIdentifier(ctx, accountId) {
    return ACCOUNTS[accountId]?.sub ?? accountId;
  },
  async findAccount(ctx, id) {
    const claims = ACCOUNTS[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { ...claims } } };
  },
  // First-party test client: no consent screen, the grant covers the requested scopes.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid eherkenning");
    grant.addOIDCClaims(CLAIMS);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
provider.on("server_error", (ctx, err) => console.error("server_error", err));
provider.listen(port, host, () => {
  console.log(`oidc-provider ready: ${issuer}/.well-known/openid-configuration (client ${clientId})`);
});
