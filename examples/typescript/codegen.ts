import type { CodegenConfig } from "@graphql-codegen/cli";

// Types for operations.graphql, from the service's schema file (no server needed):
// one TypedDocumentNode per operation, carrying its result and variables types.
const config: CodegenConfig = {
  schema: "../../schema.graphqls",
  documents: "operations.graphql",
  generates: {
    "generated.ts": {
      plugins: ["typescript", "typescript-operations", "typed-document-node"],
      config: {
        onlyOperationTypes: true, // only the enums, inputs and scalars the operations use
        enumsAsTypes: true, // "EMAIL", not Channel.Email: no runtime enums
        skipTypename: true, // no optional __typename on every object type
        useTypeImports: true,
        strictScalars: true,
        scalars: {
          UUID: "string",
          Time: "string",
          Cursor: "string",
          JSONObject: "Record<string, unknown>",
        },
      },
    },
  },
};

export default config;
