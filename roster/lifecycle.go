package roster

import (
	"github.com/google/uuid"

	"roster/model"
)

// moves are the lifecycle's allowed moves (SPEC §7).
var moves = map[model.CampaignStatus][]model.CampaignStatus{
	model.CampaignStatusDraft:     {model.CampaignStatusLaunching},
	model.CampaignStatusLaunching: {model.CampaignStatusActive},
	model.CampaignStatusActive:    {model.CampaignStatusPaused, model.CampaignStatusCompleted},
	model.CampaignStatusPaused:    {model.CampaignStatusActive, model.CampaignStatusCompleted},
}

// CanMove says whether a campaign may go from one status to another; a move
// to the current status is a no-op, not a move.
func CanMove(from, to model.CampaignStatus) bool {
	for _, s := range moves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// CheckTransition is the userError of a move of c to to (SPEC §7, §13),
// or nil; importing says whether an import job of the campaign is QUEUED
// or RUNNING, and empty whether its roster is empty, which only a move out
// of DRAFT asks (they are called only then). A job still running is
// IMPORT_IN_PROGRESS, before the roster's emptiness: the job may fill it.
func CheckTransition(c *model.Campaign, to model.CampaignStatus, importing, empty func() (bool, error)) error {
	if c.Status == to {
		return nil
	}
	if !CanMove(c.Status, to) {
		return model.Fail(model.UserErrorCodeInvalidTransition, []string{"to"},
			"campaign %s cannot move from %s to %s", c.ID, c.Status, to)
	}
	if c.Status == model.CampaignStatusDraft {
		busy, err := importing()
		if err != nil {
			return err
		}
		if busy {
			return model.Fail(model.UserErrorCodeImportInProgress, []string{"id"},
				"campaign %s has an import job queued or running: wait for it to end, or cancel it, before it leaves DRAFT", c.ID)
		}
	}
	if to == model.CampaignStatusLaunching {
		isEmpty, err := empty()
		if err != nil {
			return err
		}
		if isEmpty {
			return model.Fail(model.UserErrorCodeEmptyRoster, []string{"id"},
				"campaign %s has no prospects: add some before launching", c.ID)
		}
	}
	return nil
}

// CheckDraft is the freeze check of every roster write (SPEC §7): the
// userError NOT_FOUND for a campaign that is absent (nil) or not the
// caller's, ROSTER_FROZEN for one that has left DRAFT, else nil. The
// roster's writes call it under the roster lock (db), which the launch's
// UPDATE of the status waits for.
func CheckDraft(id uuid.UUID, c *model.Campaign) error {
	if c == nil {
		return model.Fail(model.UserErrorCodeNotFound, []string{"campaignId"}, "campaign %s was not found", id)
	}
	if c.RosterFrozen() {
		return model.Fail(model.UserErrorCodeRosterFrozen, []string{"campaignId"},
			"campaign %s is %s: its roster is frozen once it leaves DRAFT", id, c.Status)
	}
	return nil
}
