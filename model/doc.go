// Package model holds the domain types that graph/ (GraphQL), roster/ (the
// rules) and db/ (SQL) share: Campaign and Prospect, their statuses and
// stats, the inputs and payloads gqlgen generates (models_gen.go), the
// scalars (UUID, Time, JSONObject, Cursor), the Prospect field table
// (fields.go), what PostgreSQL cannot store (storable.go), and the errors
// a store hands the presenter: userErrors, InputError, ErrNotFound. It
// depends on nothing of the project's, so every layer can import it.
package model
