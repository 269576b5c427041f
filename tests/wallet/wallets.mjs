// Independent wallet clients, driven by tests/wallet/test_wallet_clients.py and bench/wallet.py.
//
//   node wallets.mjs lcw <interaction URL or lcw.app deep link>
//     The Learner Credential Wallet's algorithm (app/lib/walletRequestApi.ts, exchanges.ts,
//     composeVp.ts) on the DCC's own libraries: a did:key holder (did-method-key with an
//     Ed25519VerificationKey2020), POST {} to the exchange, a presentation signed with
//     @digitalcredentials/vc and Ed25519Signature2020 for the challenge and domain, then the
//     badge from the answer, verified with @digitalcredentials/verifier-core.
//   node wallets.mjs oid4vci <openid-credential-offer URI> [txCode] [proof]
//     @openid4vc/openid4vci (the Credo stack's client): resolve the offer and the metadata,
//     the token (with the transaction code if given), the credential (with a did:key proof
//     JWT when "proof" is given), a notification; then verifier-core on the credential.
//   node wallets.mjs bench <n> <concurrency> <interaction URL>...
//     LCW's exchange for each URL (n of them), `concurrency` at once; timings as JSON.
//
// The server runs on http://127.0.0.1 in the tests, so a did:web's https:// URL on that host
// is fetched over http from the same server; nothing else leaves the process (offline).
import * as DidMethodKey from '@digitalcredentials/did-method-key';
import { Ed25519VerificationKey2020 } from '@digitalcredentials/ed25519-verification-key-2020';
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020';
import { securityLoader } from '@digitalcredentials/security-document-loader';
import * as vc from '@digitalcredentials/vc';
import { webcrypto } from 'node:crypto';

// The libraries log to stdout; stdout is this script's answer alone.
console.log = (...args) => console.error(...args);
const realFetch = globalThis.fetch;
const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//;
globalThis.fetch = async (resource, init) => {
  const url = String(resource instanceof Request ? resource.url : resource);
  if (!LOOPBACK.test(url)) throw new TypeError(`offline: ${url} is not on this machine`);
  return realFetch(url.replace(/^https:/, 'http:'), init);
};

const documentLoader = securityLoader({ fetchRemoteContexts: false }).build();

async function holder () {
  const didKeyDriver = DidMethodKey.driver();
  didKeyDriver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519VerificationKey2020.from });
  const key = await Ed25519VerificationKey2020.generate();
  const { didDocument } = await didKeyDriver.fromKeyPair({ verificationKeyPair: key });
  key.controller = didDocument.id;
  key.id = `${didDocument.id}#${key.fingerprint()}`;
  return { did: didDocument.id, key };
}

// walletRequestApi.ts parseWalletApiUrl: the "request" parameter is the invitation's JSON.
async function exchangeUrlFrom (link) {
  if (link.startsWith('https://lcw.app/request')) {
    const request = new URL(link).searchParams.get('request');
    return JSON.parse(request).protocols.vcapi;
  }
  const answer = await fetch(link, { headers: { Accept: 'application/json' } });
  if (!answer.ok) throw new Error(`interaction URL answered ${answer.status}`);
  return (await answer.json()).protocols.vcapi;
}

async function post (url, body) {
  const answer = await fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${url} answered ${answer.status}: ${text}`);
  return text;
}

async function lcw (link, profile) {
  const exchangeUrl = await exchangeUrlFrom(link);
  const { verifiablePresentationRequest: request } = JSON.parse(await post(exchangeUrl, {}));
  const queries = Array.isArray(request.query) ? request.query : [request.query];
  if (!queries.some(q => q.type === 'DIDAuthentication')) throw new Error('no DID Authentication asked');
  const { did, key } = profile ?? await holder();
  // composeVp.ts: a signed presentation when DID Authentication was requested.
  const presentation = vc.createPresentation({ holder: did, verify: false });
  const signed = await vc.signPresentation({
    presentation,
    challenge: request.challenge,
    domain: request.domain,
    documentLoader,
    suite: new Ed25519Signature2020({ signer: key.signer() })
  });
  const raw = await post(exchangeUrl, { verifiablePresentation: signed });
  const offer = JSON.parse(raw);
  const credentials = [offer.verifiablePresentation.verifiableCredential].flat();
  return { holder: did, presentation: signed, raw, redirectUrl: offer.redirectUrl, credentials };
}

async function verify (credential) {
  const { verifyCredential } = await import('@digitalcredentials/verifier-core');
  const result = await verifyCredential({ credential, knownDIDRegistries: [] });
  const clean = JSON.parse(JSON.stringify(result, (k, v) => (k === 'stackTrace' ? undefined : v)));
  delete clean.credential;
  return clean;
}

async function oid4vci (offerUri, txCode, withProof) {
  const { Openid4vciClient, setGlobalConfig } = await import('@openid4vc/openid4vci');
  const { clientAuthenticationAnonymous } = await import('@openid4vc/oauth2');
  setGlobalConfig({ allowInsecureUrls: true }); // the tests' server is http on loopback
  const { did, key } = await holder();
  const client = new Openid4vciClient({
    callbacks: {
      fetch: globalThis.fetch,
      hash: async (data, alg) => new Uint8Array(await webcrypto.subtle.digest(alg.replace('sha-', 'SHA-'), data)),
      generateRandom: async (n) => webcrypto.getRandomValues(new Uint8Array(n)),
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (signer, { header, payload }) => {
        const encode = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const input = `${encode(header)}.${encode(payload)}`;
        const signature = await key.signer().sign({ data: Buffer.from(input) });
        return { jwt: `${input}.${Buffer.from(signature).toString('base64url')}`, signerJwk: undefined };
      }
    }
  });
  const credentialOffer = await client.resolveCredentialOffer(offerUri);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, txCode: txCode || undefined
  });
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0];
  let proof;
  if (withProof) {
    const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata });
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId,
      nonce,
      signer: { method: 'did', didUrl: key.id, alg: 'EdDSA' }
    });
    proof = { proof_type: 'jwt', jwt };
  }
  const retrieved = await client.retrieveCredentials({
    issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId, proof
  });
  const response = retrieved.credentialResponse;
  const notified = await client.sendNotification({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    notification: { notificationId: response.notification_id, event: 'credential_accepted' }
  });
  return {
    holder: did,
    version: issuerMetadata.originalDraftVersion ?? null,
    credentials: response.credentials.map(c => c.credential),
    notificationStatus: notified.response.status
  };
}

async function bench (n, concurrency, links) {
  const profile = await holder();
  const started = performance.now();
  const durations = [];
  const errors = [];
  let next = 0;
  async function worker () {
    while (next < n) {
      const link = links[next++];
      const t0 = performance.now();
      try {
        await lcw(link, profile);
        durations.push(performance.now() - t0);
      } catch (error) {
        errors.push(`${error} ${error.cause ?? ''}`.slice(0, 300));
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, durations, errors };
}

const [command, ...args] = process.argv.slice(2);
let output;
if (command === 'lcw') {
  const received = await lcw(args[0]);
  output = { ...received, verified: await Promise.all(received.credentials.map(verify)) };
} else if (command === 'oid4vci') {
  const received = await oid4vci(args[0], args[1], args[2] === 'proof');
  output = { ...received, verified: await Promise.all(received.credentials.map(verify)) };
} else if (command === 'bench') {
  output = await bench(Number(args[0]), Number(args[1]), args.slice(2));
} else {
  throw new Error(`unknown command ${command}`);
}
process.stdout.write(JSON.stringify(output));
