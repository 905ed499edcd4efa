// Shared by the client checks: the server's address and token from the
// environment, and a runner that runs every check, prints what each expected
// and got, and exits non-zero when one failed.

import { isDeepStrictEqual, inspect } from "node:util";

/** env returns the GraphQL endpoint and bearer token the checks use. */
export function env() {
  const url = process.env.GRAPHQL_URL;
  const token = process.env.GRAPHQL_TOKEN;
  if (!url || !token) {
    console.error(
      "GRAPHQL_URL (the /graphql endpoint) and GRAPHQL_TOKEN (a bearer token) must be set",
    );
    process.exit(2);
  }
  return { url, token };
}

/** CheckFailed is a check's assertion failing: what it expected, what it got. */
export class CheckFailed extends Error {
  constructor(what, expected, got) {
    super(`${what}: expected ${show(expected)}, got ${show(got)}`);
    this.name = "CheckFailed";
  }
}

/** show prints a value in full, on one line when it fits. */
export function show(v) {
  if (v instanceof Error) {
    return `${v.constructor?.name ?? "Error"}(${inspect(v.message)}) ${inspect(
      { ...v },
      { depth: 6, breakLength: 120 },
    )}${v.cause ? ` cause: ${show(v.cause)}` : ""}`;
  }
  return inspect(v, { depth: 8, breakLength: 120 });
}

/** equal fails the check unless got deeply equals expected. */
export function equal(what, got, expected) {
  if (!isDeepStrictEqual(got, expected)) throw new CheckFailed(what, expected, got);
}

/** ok fails the check unless cond holds; expected describes what should have held. */
export function ok(what, cond, expected, got) {
  if (!cond) throw new CheckFailed(what, expected, got);
}

/**
 * run runs the checks in order (each an async function, named), prints one
 * line per check, and sets the exit code: 0 only when every check passed.
 * A check's own exception (an unexpected throw) is a failure too.
 */
export async function run(client, checks) {
  let failed = 0;
  for (const [name, fn] of checks) {
    try {
      await fn();
      console.log(`ok    ${client}: ${name}`);
    } catch (err) {
      failed++;
      const msg = err instanceof CheckFailed ? err.message : `threw ${show(err)}`;
      console.log(`FAIL  ${client}: ${name}\n      ${msg.replaceAll("\n", "\n      ")}`);
    }
  }
  console.log(`${client}: ${checks.length - failed} of ${checks.length} checks ok`);
  process.exitCode = failed ? 1 : 0;
}

/**
 * recordingFetch is fetch that notes, in sent, each request's method,
 * whether it carried the query text, and the answer's status and ETag:
 * what a persisted-query check asks of a client.
 */
export function recordingFetch(sent) {
  return async (input, init) => {
    const res = await fetch(input, init);
    sent.push({
      method: init?.method ?? "GET",
      byHashOnly: !String(input).includes("query="),
      status: res.status,
      etag: res.headers.get("etag"),
    });
    return res;
  };
}
