package identity

import "testing"

// FuzzPlainEmail: the one-pass check accepts only what the full rules
// accept.
func FuzzPlainEmail(f *testing.F) {
	for _, s := range []string{
		"jane@example.com", "Jane.Doe+tag@mail.Example-1.co.uk", "a@b.c", "@x.com", "a@@x.com", "a@x", "a@-x.com", "a@x-.com",
		"a@x..com", "a@.x.com", "a@x.com.", "a b@x.com", "a<b@x.com", "a\\b@x.com", "é@x.com", "a@é.com", "a@x.com@y.com",
		"\x7f@x.com", "a\x00@x.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plainEmail(s) {
			if err := checkEmailRules(s); err != nil {
				t.Fatalf("%q: plainEmail says yes, the rules say %v", s, err)
			}
		}
	})
}

// TestPlainEmail: the one pass does take the common addresses, so the
// rules are not all that ever runs.
func TestPlainEmail(t *testing.T) {
	for _, s := range []string{"jane@example.com", "Jane.Doe+tag@mail.Example-1.co.uk", "o'brien_x!#$%&*=?^`{|}~@a1.b2", "Ann.Lee.api3.17@new-acme.example.com"} {
		if !plainEmail(s) {
			t.Errorf("%q: plainEmail says no", s)
		}
	}
}
