// A typed client for the roster API: the types and documents come from
// generated.ts (npm run codegen), the transport is plain fetch.
//   API_URL  the GraphQL endpoint (default http://127.0.0.1:8080/graphql)
//   TOKEN    a bearer token: go run . token --sub dev
import { print } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import {
  AddProspectsDocument,
  CreateCampaignDocument,
  ProspectsPageDocument,
  type ProspectsPageQuery,
  type UserErrorFieldsFragment,
} from "./generated.js";

const url = process.env.API_URL ?? "http://127.0.0.1:8080/graphql";
const token = process.env.TOKEN;
if (!token) throw new Error("set TOKEN (go run . token --sub dev)");

type GraphQLError = { message: string; extensions?: { code?: string } };

// request sends one operation and returns its typed data; top-level errors
// (UNAUTHENTICATED, BAD_USER_INPUT for a bad page or cursor, ...) throw.
async function request<TResult, TVars>(doc: TypedDocumentNode<TResult, TVars>, variables: NoInfer<TVars>): Promise<TResult> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  const text = await res.text();
  let body: { data?: TResult | null; errors?: GraphQLError[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (body.errors?.length) {
    throw new Error(body.errors.map((e) => `${e.extensions?.code ?? "ERROR"}: ${e.message}`).join("; "));
  }
  if (!body.data) throw new Error(`HTTP ${res.status}: no data`);
  return body.data;
}

const show = (errs: UserErrorFieldsFragment[]) =>
  errs.map((e) => `  ${e.code} ${e.field?.join(".") ?? ""}: ${e.message}`).join("\n");

// 1. A campaign, in DRAFT.
const created = await request(CreateCampaignDocument, {
  input: { name: `TypeScript example ${new Date().toISOString()}`, channel: "EMAIL" },
});
const campaign = created.createCampaign.campaign;
if (!campaign) throw new Error(`createCampaign:\n${show(created.createCampaign.userErrors)}`);
console.log(`campaign ${campaign.id} (${campaign.status})`);

// 2. A batch with a bad row: refused whole, every bad row reported, nothing written.
const bad = await request(AddProspectsDocument, {
  campaignId: campaign.id,
  rows: [{ email: "jane@example.com" }, { email: "not-an-email", firstName: "Nope" }],
});
console.log(`bad batch: imported ${bad.addProspects.imported}\n${show(bad.addProspects.userErrors)}`);

// 3. A good batch: the second Jane is a duplicate (IN_BATCH), not an error.
const added = await request(AddProspectsDocument, {
  campaignId: campaign.id,
  rows: [
    { email: "jane@example.com", firstName: "Jane" },
    { email: "bob@example.com", firstName: "Bob", customFields: { team_size: 12 } },
    { email: " JANE@example.com ", firstName: "Jane again" },
    { email: "ann@example.com", firstName: "Ann" },
  ],
});
const a = added.addProspects;
console.log(`imported ${a.imported}, duplicates ${a.duplicates}, roster total ${a.campaign?.stats.total}`);
for (const d of a.duplicateRows) {
  console.log(`  row ${d.index}: ${d.identity} ${d.reason} of ${d.prospect?.id}`);
}

// 4. The roster, two at a time, by keyset cursor.
const limit = 2;
let after: string | null = null;
for (let n = 1; ; n++) {
  // annotated: `after` is narrowed through the loop, so TypeScript cannot infer this one
  const { prospects: page }: ProspectsPageQuery = await request(ProspectsPageDocument, {
    campaignId: campaign.id,
    limit,
    after,
  });
  console.log(`page ${n} of ${Math.ceil(page.totalCount / limit)}: ${page.nodes.map((p) => p.email).join(", ")}`);
  if (!page.pageInfo.hasNextPage) break;
  after = page.pageInfo.endCursor ?? null;
}
