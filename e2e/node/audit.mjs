// graphql-http's server audits (the GraphQL over HTTP reference audit)
// against the roster API: every audit must pass, MUST, SHOULD and MAY alike.
// Prints each audit's id, name and status, with the reason and the response
// of each one that did not pass; exits 1 when one did not.
//
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=… node audit.mjs

import { serverAudits } from "graphql-http";
import { env } from "./checks.mjs";

const { url, token } = env();

// fetchFn sends every audit's request with the bearer token, as a client of
// this API must: without it every request is a 401 and audits nothing else.
function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

// describe shows the response an audit failed on: status, content type and
// the start of the body (when the audit has not read it already).
async function describe(res) {
  if (!res) return "";
  let body;
  try {
    body = await res.text();
  } catch (err) {
    body = `<unread: ${err.message}>`;
  }
  if (body.length > 400) body = body.slice(0, 400) + "…";
  return `HTTP ${res.status} ${res.headers.get("content-type") ?? "(no content-type)"} ${body}`;
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0, fatal: 0 };
const audits = serverAudits({ url, fetchFn });
for (const audit of audits) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // graphql-http throws (rather than reporting) when an audit cannot run
    // at all, e.g. the server is unreachable: a failure of its own.
    const cause = err?.cause ? ` (cause: ${err.cause})` : "";
    result = { id: audit.id, name: audit.name, status: "fatal", reason: `threw ${err}${cause}` };
  }
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (result.status === "ok") {
    console.log(`ok      ${result.id} ${result.name}`);
  } else {
    console.log(`${result.status.toUpperCase().padEnd(7)} ${result.id} ${result.name}`);
    console.log(`        reason: ${result.reason}`);
    const got = await describe(result.response);
    if (got) console.log(`        got: ${got}`);
  }
}
const notOK = audits.length - counts.ok;
console.log(
  `audits: ${audits.length} run, ${counts.ok} ok, ${counts.notice} notice (MAY), ` +
    `${counts.warn} warn (SHOULD), ${counts.error} error (MUST), ${counts.fatal} fatal`,
);
if (notOK) {
  console.log(`${notOK} audit(s) not ok: every audit must pass`);
}
process.exitCode = notOK ? 1 : 0;
