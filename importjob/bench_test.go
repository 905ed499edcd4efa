package importjob_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/db"
	"roster/db/dbtest"
	"roster/importjob"
	"roster/model"
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
	ctx := context.Background()
	store := db.NewStore(dbtest.DB(b))
	data := file(100_000)
	for b.Loop() {
		owner := "bench-" + uuid.NewString()
		c, err := store.CreateCampaign(ctx, owner, model.CreateCampaignInput{Name: "bench", Channel: model.ChannelEmail})
		if err != nil {
			b.Fatal(err)
		}
		start, cpu0 := time.Now(), dbtest.ProcessCPU()
		job, _, err := store.StartImport(ctx, owner, c.ID, db.ImportStart{File: bytes.NewReader(data), FileName: "f.csv"})
		if err != nil {
			b.Fatal(err)
		}
		stored := time.Since(start)
		wctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&importjob.Workers{Store: store, Poll: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Run(wctx)
		}()
		for {
			j, err := store.ImportJob(ctx, owner, job.ID)
			if err != nil {
				b.Fatal(err)
			}
			if j.Status == model.ImportJobStatusSucceeded {
				if j.Imported != 100_000 {
					b.Fatalf("job %+v", j)
				}
				break
			}
			if j.Status != model.ImportJobStatusQueued && j.Status != model.ImportJobStatusRunning {
				b.Fatalf("job %+v", j)
			}
			time.Sleep(50 * time.Millisecond) // as the HTTP benchmark polls: each poll costs the job CPU
		}
		took := time.Since(start)
		stop()
		<-done
		b.ReportMetric(100_000/took.Seconds(), "rows/s")
		b.ReportMetric(float64((dbtest.ProcessCPU()-cpu0).Microseconds())/100_000, "server-cpu-µs/row")
		b.ReportMetric(float64(stored.Milliseconds()), "store-ms")
	}
}
