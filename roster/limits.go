package roster

import (
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"roster/model"
)

// The limits of SPEC §4 and §6.
const (
	MaxBatchRows        = 1000
	MaxRemoveIDs        = 500
	MaxTextLen          = 500
	MaxCustomFieldBytes = 4096
	MaxCampaignNameLen  = 200
	// maxUserErrors caps the userErrors of one batch (SPEC §4).
	maxUserErrors = 100
)

// CampaignName is a campaign's name as stored (trimmed), or the
// BAD_USER_INPUT userError of a name that is blank, too long or holds what
// PostgreSQL cannot store (SPEC §6).
func CampaignName(name string) (string, error) {
	if err := model.StorableText(name); err != nil {
		return "", model.Fail(model.UserErrorCodeBadUserInput, []string{"input", "name"}, "input.name %v", err)
	}
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", model.Fail(model.UserErrorCodeBadUserInput, []string{"input", "name"}, "input.name must not be blank")
	case n > MaxCampaignNameLen:
		return "", model.Fail(model.UserErrorCodeBadUserInput, []string{"input", "name"},
			"input.name is %d characters long; at most %d are allowed", n, MaxCampaignNameLen)
	}
	return name, nil
}

// CheckRemoveIDs bounds removeProspects' ids (SPEC §6).
func CheckRemoveIDs(ids []uuid.UUID) error {
	if n := len(ids); n < 1 || n > MaxRemoveIDs {
		return model.Fail(model.UserErrorCodeBadUserInput, []string{"ids"},
			"ids must hold 1 to %d ids; got %d", MaxRemoveIDs, n)
	}
	return nil
}

// The suppression list's limits (SPEC §11).
const (
	MaxSuppressionEntries   = 1000
	MaxSuppressionRemoveIDs = 500
)

// CheckSuppressionIDs bounds removeSuppressions' ids (SPEC §11).
func CheckSuppressionIDs(ids []uuid.UUID) error {
	if n := len(ids); n < 1 || n > MaxSuppressionRemoveIDs {
		return model.Fail(model.UserErrorCodeBadUserInput, []string{"ids"},
			"ids must hold 1 to %d ids; got %d", MaxSuppressionRemoveIDs, n)
	}
	return nil
}
