package main

// gqlgen regenerates graph/ and model/ from schema.graphqls (gqlgen.yml).
//go:generate go tool gqlgen generate
