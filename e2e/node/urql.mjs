// urql (@urql/core, no framework) against the roster API: a query, a
// mutation's userErrors, and a bad token's UNAUTHENTICATED error, each as
// urql surfaces it to an application. Exits 1 when a check fails.
//
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=… node urql.mjs

import { Client, cacheExchange, fetchExchange, gql } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";
import { env, equal, ok, recordingFetch, run, show } from "./checks.mjs";

const { url, token } = env();

function client(bearer) {
  return new Client({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: { headers: { authorization: `Bearer ${bearer}` } },
    requestPolicy: "network-only",
  });
}
const urql = client(token);

const CREATE = gql`
  mutation Create($in: CreateCampaignInput!) {
    createCampaign(input: $in) {
      campaign { id name channel status }
      userErrors { code message field index }
    }
  }
`;

let campaignID; // set by the first check, used by the others

// noError fails the check when urql reports an error for an operation that
// must succeed.
function noError(what, result) {
  ok(`${what}: no error`, !result.error, "no error", result.error && show(result.error));
}

// graphQLCode returns the extensions.code of the first GraphQL error urql
// reports, failing the check when urql saw none (a network error instead:
// then the application sees no GraphQL error).
function graphQLCode(what, result) {
  const e = result.error;
  ok(`${what}: urql reports an error`, e, "a CombinedError", result);
  ok(
    `${what}: urql's CombinedError holds the server's GraphQL errors`,
    e.graphQLErrors.length > 0 && !e.networkError,
    "graphQLErrors and no networkError",
    `graphQLErrors ${show(e.graphQLErrors)}, networkError ${show(e.networkError)}, HTTP ${e.response?.status}`,
  );
  return e.graphQLErrors[0].extensions?.code;
}

await run("urql", [
  [
    "query: createCampaign, then campaign(id) and campaigns answer it",
    async () => {
      const name = "urql conformance";
      const created = await urql.mutation(CREATE, { in: { name, channel: "EMAIL" } }).toPromise();
      noError("createCampaign", created);
      equal("createCampaign userErrors", created.data?.createCampaign?.userErrors, []);
      campaignID = created.data?.createCampaign?.campaign?.id;
      ok("createCampaign campaign.id", typeof campaignID === "string", "a UUID", created.data);

      const got = await urql
        .query(
          gql`
            query One($id: UUID!) {
              campaign(id: $id) { id name channel status rosterFrozen stats { total } }
            }
          `,
          { id: campaignID },
        )
        .toPromise();
      noError("campaign(id)", got);
      equal("campaign(id)", got.data?.campaign, {
        __typename: "Campaign",
        id: campaignID,
        name,
        channel: "EMAIL",
        status: "DRAFT",
        rosterFrozen: false,
        stats: { __typename: "CampaignStats", total: 0 },
      });

      const list = await urql
        .query(gql`query Mine { campaigns { totalCount nodes { id name } } }`, {})
        .toPromise();
      noError("campaigns", list);
      equal("campaigns", list.data?.campaigns, {
        __typename: "CampaignConnection",
        totalCount: 1,
        nodes: [{ __typename: "Campaign", id: campaignID, name }],
      });
    },
  ],
  [
    "mutation: addProspects with an invalid email gives data with userError BAD_USER_INPUT",
    async () => {
      ok("a campaign from the first check", campaignID, "a campaign id", campaignID);
      const r = await urql
        .mutation(
          gql`
            mutation Add($c: UUID!, $rows: [ProspectInput!]!) {
              addProspects(campaignId: $c, prospects: $rows) {
                imported duplicates
                prospects { id }
                campaign { id stats { total } }
                userErrors { code message field index }
              }
            }
          `,
          { c: campaignID, rows: [{ email: "ada@example.com" }, { email: "not an email" }] },
        )
        .toPromise();
      noError("addProspects", r);
      const p = r.data?.addProspects;
      ok("addProspects data", p, "a payload", r.data);
      equal("userErrors[0].code", p.userErrors[0]?.code, "BAD_USER_INPUT");
      equal("userErrors[0].index", p.userErrors[0]?.index, 1);
      equal("userErrors[0].field", p.userErrors[0]?.field, ["prospects", "1", "email"]);
      equal("userErrors.length", p.userErrors.length, 1);
      equal("imported (nothing written)", p.imported, 0);
      equal("prospects (nothing written)", p.prospects, []);
      equal("campaign.stats.total", p.campaign?.stats?.total, 0);
    },
  ],
  [
    "mutation: createCampaign with a blank name gives data with userError BAD_USER_INPUT",
    async () => {
      const r = await urql.mutation(CREATE, { in: { name: "   ", channel: "LINKEDIN" } }).toPromise();
      noError("createCampaign", r);
      equal("createCampaign.campaign", r.data?.createCampaign?.campaign, null);
      equal("userErrors[0].code", r.data?.createCampaign?.userErrors?.[0]?.code, "BAD_USER_INPUT");
    },
  ],
  [
    "persisted query by GET (persistedExchange): registered once, then sent by hash, with an ETag",
    async () => {
      ok("a campaign from the first check", campaignID, "a campaign id", campaignID);
      const sent = [];
      const recording = recordingFetch(sent);
      const persisted = new Client({
        url,
        exchanges: [cacheExchange, persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange],
        fetchOptions: { headers: { authorization: `Bearer ${token}` } },
        fetch: recording,
        requestPolicy: "network-only",
      });
      const PAGE = gql`
        query Poll($id: UUID!) {
          campaign(id: $id) { id version stats { total } }
        }
      `;
      const first = await persisted.query(PAGE, { id: campaignID }).toPromise();
      noError("first query", first);
      equal("first query campaign.id", first.data?.campaign?.id, campaignID);
      const second = await persisted.query(PAGE, { id: campaignID }).toPromise();
      noError("second query", second);
      equal("second query campaign", second.data?.campaign, first.data?.campaign);
      const last = sent[sent.length - 1];
      equal("the second query: a GET by hash alone", [last.method, last.byHashOnly, last.status], ["GET", true, 200]);
      ok("the GET by hash carries an ETag", typeof last.etag === "string" && last.etag.length > 2, "an ETag", sent);
    },
  ],
  [
    "bad token: urql surfaces a GraphQL error with extensions.code UNAUTHENTICATED",
    async () => {
      const r = await client("not-a-jwt")
        .query(gql`query Mine { campaigns { totalCount } }`, {})
        .toPromise();
      equal("extensions.code", graphQLCode("bad token", r), "UNAUTHENTICATED");
      equal("HTTP status", r.error.response?.status, 401);
      equal("data", r.data, undefined);
    },
  ],
  [
    "request error: a document with an unknown field gives GRAPHQL_VALIDATION_FAILED",
    async () => {
      const r = await urql
        .query(gql`query Bad { campaigns { noSuchField } }`, {})
        .toPromise();
      equal("extensions.code", graphQLCode("unknown field", r), "GRAPHQL_VALIDATION_FAILED");
      equal("data", r.data, undefined);
    },
  ],
]);
