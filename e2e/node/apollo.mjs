// Apollo Client 4 (core, no React) against the roster API: a query, a
// mutation's userErrors, and a bad token's UNAUTHENTICATED error, each as
// Apollo surfaces it to an application. Exits 1 when a check fails.
//
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql GRAPHQL_TOKEN=… node apollo.mjs

import {
  ApolloClient,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  ServerError,
  gql,
} from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { createHash } from "node:crypto";
import { env, equal, ok, recordingFetch, run, show } from "./checks.mjs";

const { url, token } = env();

function client(bearer) {
  return new ApolloClient({
    link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${bearer}` } }),
    cache: new InMemoryCache(),
    // Every check asks the server, never the cache.
    defaultOptions: { query: { fetchPolicy: "network-only" } },
  });
}
const apollo = client(token);

const CREATE = gql`
  mutation Create($in: CreateCampaignInput!) {
    createCampaign(input: $in) {
      campaign { id name channel status }
      userErrors { code message field index }
    }
  }
`;

let campaignID; // set by the first check, used by the others

// graphQLCode returns the extensions.code of the first GraphQL error Apollo
// reports, failing the check (showing what Apollo gave) when what it threw
// is not CombinedGraphQLErrors: then the application sees no GraphQL error.
function graphQLCode(what, err) {
  ok(
    `${what}: Apollo's error is CombinedGraphQLErrors (the server's GraphQL errors)`,
    CombinedGraphQLErrors.is(err),
    "CombinedGraphQLErrors",
    ServerError.is(err)
      ? `ServerError, statusCode ${err.statusCode}, content-type ${err.response.headers.get("content-type")}, bodyText ${err.bodyText}`
      : err,
  );
  return err.errors[0]?.extensions?.code;
}

// rejection runs an operation that must fail and returns what it threw.
async function rejection(what, promise) {
  try {
    const result = await promise;
    throw new Error(`${what}: expected Apollo to throw, it resolved ${show(result)}`);
  } catch (err) {
    return err;
  }
}

await run("apollo", [
  [
    "query: createCampaign, then campaign(id) and campaigns answer it",
    async () => {
      const name = "apollo conformance";
      const { data, error } = await apollo.mutate({
        mutation: CREATE,
        variables: { in: { name, channel: "EMAIL" } },
      });
      equal("createCampaign error", error, undefined);
      equal("createCampaign userErrors", data?.createCampaign?.userErrors, []);
      campaignID = data?.createCampaign?.campaign?.id;
      ok("createCampaign campaign.id", typeof campaignID === "string", "a UUID", data);

      const got = await apollo.query({
        query: gql`
          query One($id: UUID!) {
            campaign(id: $id) { id name channel status rosterFrozen stats { total } }
          }
        `,
        variables: { id: campaignID },
      });
      equal("campaign(id) error", got.error, undefined);
      equal("campaign(id)", got.data?.campaign, {
        __typename: "Campaign",
        id: campaignID,
        name,
        channel: "EMAIL",
        status: "DRAFT",
        rosterFrozen: false,
        stats: { __typename: "CampaignStats", total: 0 },
      });

      const list = await apollo.query({
        query: gql`
          query Mine {
            campaigns { totalCount nodes { id name } }
          }
        `,
      });
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
      const { data, error } = await apollo.mutate({
        mutation: gql`
          mutation Add($c: UUID!, $rows: [ProspectInput!]!) {
            addProspects(campaignId: $c, prospects: $rows) {
              imported duplicates
              prospects { id }
              campaign { id stats { total } }
              userErrors { code message field index }
            }
          }
        `,
        variables: {
          c: campaignID,
          rows: [{ email: "ada@example.com" }, { email: "not an email" }],
        },
      });
      equal("addProspects error", error, undefined);
      const p = data?.addProspects;
      ok("addProspects data", p, "a payload", data);
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
      const { data, error } = await apollo.mutate({
        mutation: CREATE,
        variables: { in: { name: "   ", channel: "LINKEDIN" } },
      });
      equal("createCampaign error", error, undefined);
      equal("createCampaign.campaign", data?.createCampaign?.campaign, null);
      equal("userErrors[0].code", data?.createCampaign?.userErrors?.[0]?.code, "BAD_USER_INPUT");
    },
  ],
  [
    "persisted query by GET (useGETForHashedQueries): registered once, then sent by hash, with an ETag",
    async () => {
      ok("a campaign from the first check", campaignID, "a campaign id", campaignID);
      // Every request Apollo sends, as the server answered it.
      const sent = [];
      const recording = recordingFetch(sent);
      const persisted = new ApolloClient({
        link: new PersistedQueryLink({
          sha256: (q) => createHash("sha256").update(q).digest("hex"),
          useGETForHashedQueries: true,
        }).concat(new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` }, fetch: recording })),
        cache: new InMemoryCache(),
        defaultOptions: { query: { fetchPolicy: "network-only" } },
      });
      const PAGE = gql`
        query Poll($id: UUID!) {
          campaign(id: $id) { id version stats { total } }
        }
      `;
      const first = await persisted.query({ query: PAGE, variables: { id: campaignID } });
      equal("first query error", first.error, undefined);
      equal("first query campaign.id", first.data?.campaign?.id, campaignID);
      const second = await persisted.query({ query: PAGE, variables: { id: campaignID } });
      equal("second query campaign", second.data?.campaign, first.data?.campaign);
      const last = sent[sent.length - 1];
      equal("the second query: a GET by hash alone", [last.method, last.byHashOnly, last.status], ["GET", true, 200]);
      ok("the GET by hash carries an ETag", typeof last.etag === "string" && last.etag.length > 2, "an ETag", sent);
    },
  ],
  [
    "bad token: Apollo surfaces a GraphQL error with extensions.code UNAUTHENTICATED",
    async () => {
      const err = await rejection(
        "query with a bad token",
        client("not-a-jwt").query({ query: gql`query Mine { campaigns { totalCount } }` }),
      );
      equal("extensions.code", graphQLCode("bad token", err), "UNAUTHENTICATED");
    },
  ],
  [
    "request error: a document with an unknown field gives GRAPHQL_VALIDATION_FAILED",
    async () => {
      const err = await rejection(
        "query with an unknown field",
        apollo.query({ query: gql`query Bad { campaigns { noSuchField } }` }),
      );
      equal("extensions.code", graphQLCode("unknown field", err), "GRAPHQL_VALIDATION_FAILED");
    },
  ],
]);
