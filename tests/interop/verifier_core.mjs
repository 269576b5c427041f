// Run the DCC's @digitalcredentials/verifier-core (the verifier behind VerifierPlus and the
// Learner Credential Wallet) offline: every URL it would fetch (DID documents, status lists,
// the 1EdTech JSON schema, issuer registries, contexts) is answered from the documents given.
//
// stdin: {"credential": {...}, "documents": {"<url>": <JSON>}, "registries": [{name, type, url}]}
// stdout: verifier-core's result (without stack traces), or {"error": "..."}.
import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));
const documents = input.documents ?? {};
const asked = [];

globalThis.fetch = async (resource) => {
  const url = String(resource instanceof Request ? resource.url : resource).split('#')[0];
  asked.push(url);
  if (!(url in documents)) {
    // What a network failure looks like to fetch: nothing leaves this process.
    throw new TypeError(`offline: no document for ${url}`);
  }
  const body = documents[url];
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json' }
  });
};

const { verifyCredential } = await import('@digitalcredentials/verifier-core');
const result = await verifyCredential({
  credential: input.credential,
  knownDIDRegistries: input.registries ?? []
});
const clean = JSON.parse(JSON.stringify(result, (key, value) =>
  key === 'stackTrace' ? undefined : value));
delete clean.credential;
process.stdout.write(JSON.stringify({ ...clean, asked }));
