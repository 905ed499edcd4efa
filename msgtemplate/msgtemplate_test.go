package msgtemplate_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"roster/model"
	"roster/msgtemplate"
)

func str(s string) *string { return &s }

// jane has every profile field and custom values of each JSON type.
func jane() *model.Prospect {
	return &model.Prospect{
		FirstName:   str("Jane"),
		LastName:    str("Doe"),
		Company:     str("Acme"),
		Title:       str("CTO"),
		Email:       str("jane@acme.test"),
		LinkedinURL: str("https://www.linkedin.com/in/jane-doe"),
		Location:    str("Zürich"),
		Phone:       str("+41 44 000 00 00"),
		CustomFields: map[string]any{
			"pet_name":     "Rex",
			"team-size":    json.Number("12"),
			"big":          json.Number("12345678901234567890"),
			"ratio":        json.Number("0.25"),
			"float":        1.5,
			"vip":          true,
			"churned":      false,
			"nothing":      nil,
			"empty":        "",
			"spaces":       " \t\u00a0",
			"tags":         []any{"a", json.Number("1"), true, nil},
			"address":      map[string]any{"zip": "8001", "city": "Zürich", "geo": map[string]any{"lat": json.Number("47.37")}},
			"empty_obj":    map[string]any{},
			"empty_list":   []any{},
			"html":         "<b>&</b>",
			"Case":         "upper",
			"x":            "short key",
			"k_-9":         "odd key",
			"emoji":        "🦀 ok",
			"percent_sign": "100%",
		},
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	bare := &model.Prospect{Email: str("bob@example.test")}
	blanks := &model.Prospect{FirstName: str(""), Company: str("  \n"), Email: str("b@x.test")}

	tests := []struct {
		name     string
		template string
		p        *model.Prospect
		text     string
		missing  []string
		unknown  []string
	}{
		{name: "empty template", template: "", p: jane(), text: ""},
		{name: "no placeholder", template: "Hello there.", p: jane(), text: "Hello there."},
		{
			name: "every profile placeholder",
			template: "%first_name%|%last_name%|%company%|%title%|%email%|" +
				"%linkedin_url%|%location%|%phone%",
			p:    jane(),
			text: "Jane|Doe|Acme|CTO|jane@acme.test|https://www.linkedin.com/in/jane-doe|Zürich|+41 44 000 00 00",
		},
		{
			name: "every profile placeholder missing",
			template: "%first_name%|%last_name%|%company%|%title%|%email%|" +
				"%linkedin_url%|%location%|%phone%",
			p:    &model.Prospect{},
			text: "|||||||",
			missing: []string{"%first_name%", "%last_name%", "%company%", "%title%", "%email%",
				"%linkedin_url%", "%location%", "%phone%"},
		},
		{
			name:     "blank fields are missing",
			template: "Hi %first_name% at %company% (%email%)",
			p:        blanks,
			text:     "Hi  at  (b@x.test)",
			missing:  []string{"%first_name%", "%company%"},
		},
		{
			name:     "repeated placeholders render each time and are listed once",
			template: "%first_name%, %company%! %first_name% of %company%, %first_name%.",
			p:        bare,
			text:     ", !  of , .",
			missing:  []string{"%first_name%", "%company%"},
		},
		{
			name:     "missing in order of first appearance",
			template: "%title% %phone% %title% %location% %email%",
			p:        bare,
			text:     "    bob@example.test",
			missing:  []string{"%title%", "%phone%", "%location%"},
		},
		{
			name:     "adjacent placeholders",
			template: "%first_name%%last_name%%company%",
			p:        jane(),
			text:     "JaneDoeAcme",
		},
		{name: "double percent is text", template: "100%% sure", p: jane(), text: "100%% sure"},
		{name: "double percent before a placeholder", template: "%%first_name%", p: jane(), text: "%Jane"},
		{name: "double percent after a placeholder", template: "%first_name%%%", p: jane(), text: "Jane%%"},
		{name: "lone percent signs", template: "20% off, 5%-10% more, 100%", p: jane(), text: "20% off, 5%-10% more, 100%"},
		{name: "only percent signs", template: "%%%", p: jane(), text: "%%%"},
		{name: "empty name", template: "%% %first_name%", p: jane(), text: "%% Jane"},
		{
			name:     "unknown placeholder left as written and listed",
			template: "Hi %frist_name% %first_name%",
			p:        jane(),
			text:     "Hi %frist_name% Jane",
			unknown:  []string{"%frist_name%"},
		},
		{
			name:     "names are case-sensitive",
			template: "%FIRST_NAME% %First_Name% %first_name%",
			p:        jane(),
			text:     "%FIRST_NAME% %First_Name% Jane",
			unknown:  []string{"%FIRST_NAME%", "%First_Name%"},
		},
		{
			name:     "unknown listed once, in order",
			template: "%foo% %bar% %foo% %first_name% %bar%",
			p:        jane(),
			text:     "%foo% %bar% %foo% Jane %bar%",
			unknown:  []string{"%foo%", "%bar%"},
		},
		{
			name:     "the closing percent of an unknown token opens a placeholder",
			template: "20%off%first_name%",
			p:        jane(),
			text:     "20%offJane",
			unknown:  []string{"%off%"},
		},
		{
			name:     "text between two placeholders-like tokens",
			template: "%foo%bar%",
			p:        jane(),
			text:     "%foo%bar%",
			unknown:  []string{"%foo%", "%bar%"},
		},
		{
			name:     "tokens not starting with a letter are plain text",
			template: "%5% %-x% %_y% %.z%",
			p:        jane(),
			text:     "%5% %-x% %_y% %.z%",
		},
		{
			name:     "spaces inside percent signs are plain text",
			template: "% first_name % %first name%",
			p:        jane(),
			text:     "% first_name % %first name%",
		},
		{
			name:     "unicode around and inside",
			template: "Grüezi %first_name% 👋 — %location%! %prénom% ✓",
			p:        jane(),
			text:     "Grüezi Jane 👋 — Zürich! %prénom% ✓",
		},
		{
			name:     "custom string values and keys with - and _",
			template: "%custom_fields.pet_name% %custom_fields.k_-9% %custom_fields.x% %custom_fields.emoji%",
			p:        jane(),
			text:     "Rex odd key short key 🦀 ok",
		},
		{
			name:     "custom keys are case-sensitive",
			template: "%custom_fields.Case%/%custom_fields.case%",
			p:        jane(),
			text:     "upper/",
			missing:  []string{"%custom_fields.case%"},
		},
		{
			name:     "custom numbers as stored",
			template: "%custom_fields.team-size% %custom_fields.big% %custom_fields.ratio% %custom_fields.float%",
			p:        jane(),
			text:     "12 12345678901234567890 0.25 1.5",
		},
		{name: "custom booleans", template: "%custom_fields.vip%/%custom_fields.churned%", p: jane(), text: "true/false"},
		{
			name:     "custom objects and lists as compact JSON",
			template: "%custom_fields.address% %custom_fields.tags% %custom_fields.empty_obj% %custom_fields.empty_list%",
			p:        jane(),
			text:     `{"city":"Zürich","geo":{"lat":47.37},"zip":"8001"} ["a",1,true,null] {} []`,
		},
		{name: "custom text is not escaped", template: "%custom_fields.html%", p: jane(), text: "<b>&</b>"},
		{
			name:     "a value holding percent signs is not rendered again",
			template: "%custom_fields.percent_sign%first_name%",
			p:        jane(),
			text:     "100%first_name%",
		},
		{
			name:     "custom null, empty, blank and absent are missing",
			template: "[%custom_fields.nothing%][%custom_fields.empty%][%custom_fields.spaces%][%custom_fields.absent%]",
			p:        jane(),
			text:     "[][][][]",
			missing: []string{"%custom_fields.nothing%", "%custom_fields.empty%", "%custom_fields.spaces%",
				"%custom_fields.absent%"},
		},
		{
			name:     "no custom fields at all",
			template: "%custom_fields.pet_name%",
			p:        &model.Prospect{},
			text:     "",
			missing:  []string{"%custom_fields.pet_name%"},
		},
		{
			name: "custom keys that can never exist are unknown",
			template: "%custom_fields.% %custom_fields.a.b% %custom_fields% %custom_fields..x% " +
				"%custom_fields." + strings.Repeat("k", 65) + "%",
			p: jane(),
			text: "%custom_fields.% %custom_fields.a.b% %custom_fields% %custom_fields..x% " +
				"%custom_fields." + strings.Repeat("k", 65) + "%",
			unknown: []string{"%custom_fields.%", "%custom_fields.a.b%", "%custom_fields%", "%custom_fields..x%",
				"%custom_fields." + strings.Repeat("k", 65) + "%"},
		},
		{
			name:     "a 64-character key is a placeholder",
			template: "%custom_fields." + strings.Repeat("k", 64) + "%",
			p:        &model.Prospect{CustomFields: map[string]any{strings.Repeat("k", 64): "long"}},
			text:     "long",
		},
		{
			name:     "missing and unknown together",
			template: "Dear %first_name% %last_name%, %custom_fields.nothing% %nickname%",
			p:        bare,
			text:     "Dear  ,  %nickname%",
			missing:  []string{"%first_name%", "%last_name%", "%custom_fields.nothing%"},
			unknown:  []string{"%nickname%"},
		},
		{name: "unterminated placeholder", template: "Hi %first_name", p: jane(), text: "Hi %first_name"},
		{name: "trailing percent", template: "Hi %", p: jane(), text: "Hi %"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := msgtemplate.Render(tt.template, tt.p)
			if got.Text != tt.text {
				t.Errorf("text = %q, want %q", got.Text, tt.text)
			}
			want := func(l []string) []string {
				if l == nil {
					return []string{}
				}
				return l
			}
			if !reflect.DeepEqual(got.Missing, want(tt.missing)) {
				t.Errorf("missing = %#v, want %#v", got.Missing, want(tt.missing))
			}
			if !reflect.DeepEqual(got.Unknown, want(tt.unknown)) {
				t.Errorf("unknown = %#v, want %#v", got.Unknown, want(tt.unknown))
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		template string
		ok       bool
	}{
		{"empty", "", true},
		{"at the limit in ASCII", strings.Repeat("a", msgtemplate.MaxLength), true},
		{"at the limit in multi-byte characters", strings.Repeat("ü", msgtemplate.MaxLength), true},
		{"one over", strings.Repeat("a", msgtemplate.MaxLength+1), false},
		{"one over in emoji", strings.Repeat("🦀", msgtemplate.MaxLength+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := msgtemplate.Validate(tt.template)
			if tt.ok {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var input *model.InputError
			if !errors.As(err, &input) {
				t.Fatalf("Validate = %v, want an InputError", err)
			}
			if !strings.HasPrefix(input.Message, "template ") || !strings.Contains(input.Message, "at most 10000") {
				t.Errorf("error = %+v", input)
			}
		})
	}
}

// TestWhitespaceIsUnicodeSpace keeps Blank (and the SQL that trims with
// Whitespace) equal to strings.TrimSpace, which cleans the profile fields.
func TestWhitespaceIsUnicodeSpace(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.IsSpace(r) != strings.ContainsRune(msgtemplate.Whitespace, r) {
			t.Errorf("U+%04X: unicode.IsSpace %v, in Whitespace %v", r, unicode.IsSpace(r), !unicode.IsSpace(r))
		}
	}
	for _, s := range []string{"", " ", "\t\n", "\u00a0\u3000", "a", " a ", "\u200b"} {
		if got, want := msgtemplate.Blank(s), strings.TrimSpace(s) == ""; got != want {
			t.Errorf("Blank(%q) = %v, want %v", s, got, want)
		}
	}
}
