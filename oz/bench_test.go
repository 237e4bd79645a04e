package oz_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/oz/oztest"
)

// percentile returns the p-th percentile of ds (sorted in place).
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[int(float64(len(ds)-1)*p)]
}

// benchGET runs parallel GETs of url with header and reports ns/op, p50
// and p99.
func benchGET(b *testing.B, url string, header http.Header) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header = header.Clone()
			t0 := time.Now()
			res, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
}

// schemaList is the body both servers of BenchmarkGET compute per request.
func schemaList() []oz.SchemaInfo {
	var out []oz.SchemaInfo
	for _, k := range contract.Kinds() {
		out = append(out, oz.SchemaInfo{Kind: string(k), ID: contract.SchemaID(k), File: contract.SchemaFile(k)})
	}
	return out
}

// BenchmarkGET compares an authenticated GET through Oz's whole
// middleware (Host, Origin, token, hardening headers, outbound masking)
// with a bare net/http handler that computes and writes the same JSON, both
// on loopback keep-alive connections.
func BenchmarkGET(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(b, err)
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := json.Marshal(schemaList())
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		})}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		benchGET(b, "http://"+ln.Addr().String()+"/api/v1/schemas", http.Header{})
	})
	b.Run("oz", func(b *testing.B) {
		s := oztest.Start(b, oz.Config{})
		benchGET(b, s.URL+"/api/v1/schemas", http.Header{"Authorization": {"Bearer " + s.Token.Reveal()}})
	})
}

// BenchmarkSSEFanout appends one ledger event per iteration to a run
// with 100 open event streams, and measures the time from the event being
// durable (Append returned) to the frame's arrival at each subscriber; it reports the p95 over all
// subscribers and iterations, and the p95 of the last subscriber per
// event.
func BenchmarkSSEFanout(b *testing.B) {
	const subscribers = 100
	e := newEnv(b)
	wsID := e.register()
	runID, l := e.fakeRun(wsID)
	tr := &http.Transport{MaxIdleConnsPerHost: subscribers, MaxConnsPerHost: subscribers * 2}
	defer tr.CloseIdleConnections()
	c, err := oz.NewClient(e.srv.URL, e.srv.Token, &http.Client{Transport: tr})
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrivals := make(chan time.Time, subscribers*4)
	var ready sync.WaitGroup
	for range subscribers {
		ch, err := c.Stream(ctx, runID, 0, false)
		require.NoError(b, err)
		ready.Add(1)
		go func() {
			first := true
			for f := range ch {
				if f.Kind == oz.FrameStatus && first {
					first = false
					ready.Done()
					continue
				}
				if f.Kind == oz.FrameEvent && f.ID > 1 {
					arrivals <- time.Now()
				}
			}
		}()
	}
	ready.Wait()
	var all, last []time.Duration
	b.ResetTimer()
	for i := range b.N {
		_, err := l.Append(contract.Event{Type: "bench.tick", Data: map[string]any{"i": i}})
		require.NoError(b, err)
		t0 := time.Now() // the event is durable: the clock starts

		var worst time.Duration
		for range subscribers {
			d := (<-arrivals).Sub(t0)
			all = append(all, d)
			worst = max(worst, d)
		}
		last = append(last, worst)
	}
	b.StopTimer()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(percentile(all, 0.95).Microseconds()), "p95-µs")
	b.ReportMetric(float64(percentile(last, 0.95).Microseconds()), "last-sub-p95-µs")
}
