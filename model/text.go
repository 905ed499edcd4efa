package model

import "unicode/utf8"

// Truncate shortens s to its first n characters, marked with "…", for
// quoting a client's value in an error message without repeating all of
// it (and without cutting a character in two).
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
