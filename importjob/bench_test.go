package importjob_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"roster/db"
	"roster/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// file is a CSV of n rows of 10 columns.
func file(n int) []byte {
	var b bytes.Buffer
	b.WriteString("email,first name,last name,company,title,phone,city,industry,score,source\n")
	for i := range n {
		fmt.Fprintf(&b, "p%d@imp.example,First%d,Last%d,Company %d,Title %d,+1 555 %07d,City %d,Industry %d,%d,bench\n",
			i, i%1000, i%997, i%5000, i%50, i, i%300, i%40, i%100)
	}
	return b.Bytes()
}

// BenchmarkImportJob stores a 100,000-row file of 10 columns and runs its
// job to the end with one worker, in process: rows a second, store
// (upload's transaction) and run apart.
//
//	go test -run '^$' -bench BenchmarkImportJob -benchtime 1x ./importjob/
func BenchmarkImportJob(b *testing.B) {
	store := db.NewStore(dbtest.DB(b))
	data := file(100_000)
	for b.Loop() {
		start, cpu0 := time.Now(), dbtest.ProcessCPU()
		owner, job := startJob(b, store, "bench", data)
		stored := time.Since(start)
		stop := runWorkers(store, 0)
		if j := waitSucceeded(b, store, owner, job); j.Imported != 100_000 {
			b.Fatalf("job %+v", j)
		}
		took := time.Since(start)
		stop()
		b.ReportMetric(100_000/took.Seconds(), "rows/s")
		b.ReportMetric(float64((dbtest.ProcessCPU()-cpu0).Microseconds())/100_000, "server-cpu-µs/row")
		b.ReportMetric(float64(stored.Milliseconds()), "store-ms")
	}
}
