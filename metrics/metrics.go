// Package metrics holds the service's Prometheus metrics, on a registry of
// its own (so tests and several servers in one process never collide).
package metrics

import (
	"database/sql"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the service's instruments.
type Metrics struct {
	reg *prometheus.Registry

	// HTTPDuration is every HTTP request's latency by route and status.
	HTTPDuration *prometheus.HistogramVec
	// OperationDuration is every GraphQL operation's latency by its root
	// field (a bounded label: client-chosen operation names are not).
	OperationDuration *prometheus.HistogramVec
	// Errors counts GraphQL errors by extensions.code.
	Errors *prometheus.CounterVec
	// Imported and Duplicates count addProspects rows (dry runs excluded).
	Imported   prometheus.Counter
	Duplicates prometheus.Counter
	// FastList counts the list queries answered by the list fast path
	// (graph/fastlist.go); the rest of roster_graphql_operation_duration_seconds'
	// prospects count went through gqlgen's generic executor.
	FastList prometheus.Counter
	// TypedRows counts the requests whose addProspects rows the POST
	// transport decoded straight into typed rows (httpapi/vars.go).
	TypedRows prometheus.Counter
}

// New registers the instruments, the Go runtime's and the database pool's.
func New(db *sql.DB) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "roster_http_request_duration_seconds",
			Help:    "HTTP request latency by route and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "status"}),
		OperationDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "roster_graphql_operation_duration_seconds",
			Help:    "GraphQL operation latency by operation type and root field.",
			Buckets: prometheus.DefBuckets,
		}, []string{"type", "field"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_graphql_errors_total",
			Help: "Top-level GraphQL errors by extensions.code.",
		}, []string{"code"}),
		Imported: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "roster_prospects_imported_total",
			Help: "Prospects written by addProspects.",
		}),
		Duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "roster_prospects_duplicates_total",
			Help: "addProspects rows that fell out as duplicates.",
		}),
		FastList: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "roster_list_fast_path_total",
			Help: "Query.prospects answers written by the list fast path rather than gqlgen's executor.",
		}),
		TypedRows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "roster_add_typed_rows_total",
			Help: "Requests whose addProspects rows were decoded straight into typed rows rather than through gqlgen's generic variables.",
		}),
	}
	reg.MustRegister(m.HTTPDuration, m.OperationDuration, m.Errors, m.Imported, m.Duplicates, m.FastList, m.TypedRows,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		reg.MustRegister(collectors.NewDBStatsCollector(db, "roster"))
	}
	return m
}

// CounterFunc registers a counter read from fn at each scrape.
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

// CounterFuncs registers a counter with one label, the value of each of
// its values read from fn (in their order) at each scrape.
func (m *Metrics) CounterFuncs(name, help, label string, values []string, fn func() []int64) {
	m.reg.MustRegister(&funcCounters{desc: prometheus.NewDesc(name, help, []string{label}, nil), values: values, fn: fn})
}

type funcCounters struct {
	desc   *prometheus.Desc
	values []string
	fn     func() []int64
}

func (c *funcCounters) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *funcCounters) Collect(ch chan<- prometheus.Metric) {
	for i, n := range c.fn() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), c.values[i])
	}
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
