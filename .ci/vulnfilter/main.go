// Command vulnfilter reads govulncheck's JSON stream on stdin and fails when
// the code calls a vulnerable function of a module it requires. Called
// vulnerabilities of the standard library are listed but do not fail: they
// are fixed by the Go toolchain the machine runs, not by this repository.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

type message struct {
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
		} `json:"trace"`
	} `json:"finding"`
}

func main() {
	dec := json.NewDecoder(os.Stdin)
	called := map[string]string{} // osv -> description
	failing := map[string]bool{}
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "vulnfilter: reading govulncheck's output:", err)
			os.Exit(2)
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // not called by our code
		}
		t := f.Trace[0]
		called[f.OSV] = fmt.Sprintf("%s %s@%s (fixed in %s)", f.OSV, t.Module, t.Version, f.FixedVersion)
		if t.Module != "stdlib" {
			failing[f.OSV] = true
		}
	}
	ids := make([]string, 0, len(called))
	for id := range called {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		kind := "standard library: upgrade the Go toolchain"
		if failing[id] {
			kind = "A REQUIRED MODULE: upgrade it"
		}
		fmt.Printf("called: %s [%s]\n", called[id], kind)
	}
	if len(failing) > 0 {
		fmt.Printf("%d called vulnerabilities in required modules\n", len(failing))
		os.Exit(1)
	}
	fmt.Printf("no called vulnerability in a required module (%d in the standard library)\n", len(ids))
}
