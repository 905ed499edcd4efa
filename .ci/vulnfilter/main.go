// Command vulnfilter reads govulncheck's JSON stream on stdin and fails when
// the code calls a vulnerable function, of a module it requires or of the
// standard library (fixed by the toolchain go.mod names, which .ci/run
// runs).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
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
		failing[f.OSV] = true
	}
	ids := make([]string, 0, len(called))
	for id := range called {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		kind := "a required module: upgrade it"
		if strings.Contains(called[id], " stdlib@") {
			kind = "the standard library: upgrade go.mod's toolchain line and GOTOOLCHAIN in .ci/run"
		}
		fmt.Printf("called: %s [%s]\n", called[id], kind)
	}
	if len(failing) > 0 {
		fmt.Printf("%d called vulnerabilities\n", len(failing))
		os.Exit(1)
	}
	fmt.Println("no called vulnerability, in required modules or the standard library")
}
