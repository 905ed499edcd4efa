package roster

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"roster/model"
)

// TestCheckRowsInParts: checking a batch in parts gives what one pass in
// order gives: the same rows, and the userErrors of the first 100 bad rows
// in row order, each with all its problems, wherever the parts split them.
func TestCheckRowsInParts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	long := string(make([]byte, MaxTextLen+1))
	for trial := range 40 {
		n := 1 + rng.IntN(1000)
		badness := rng.Float64() // the share of bad rows
		rows := make([]*model.ProspectInput, n)
		for i := range rows {
			email := fmt.Sprintf("r%d@x.com", i)
			in := &model.ProspectInput{Email: &email}
			if rng.Float64() < badness {
				switch rng.IntN(3) {
				case 0:
					bad := "bad"
					in.Email = &bad
				case 1:
					in.FirstName = &long
				default: // two problems in one row
					bad := "bad"
					in.Email, in.LastName = &bad, &long
				}
			}
			rows[i] = in
		}
		want := make([]*model.Prospect, n)
		wantErrs := checkRowsIn(1, model.ChannelEmail, rows, want)
		for parts := 2; parts <= 5; parts++ {
			got := make([]*model.Prospect, n)
			gotErrs := checkRowsIn(parts, model.ChannelEmail, rows, got)
			if !reflect.DeepEqual(gotErrs, wantErrs) {
				t.Fatalf("trial %d, %d rows in %d parts: userErrors\n%v\nwant\n%v", trial, n, parts, gotErrs, wantErrs)
			}
			if len(wantErrs) == 0 && !reflect.DeepEqual(got, want) {
				t.Fatalf("trial %d, %d rows in %d parts: rows differ", trial, n, parts)
			}
		}
	}
}
